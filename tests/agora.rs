//! End-to-end tests of the agora client against its simulator (being written).
