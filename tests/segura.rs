//! End-to-end tests of the segura client against its simulator (being written).
