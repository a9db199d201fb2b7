//! End-to-end tests of the huawei client against its simulator (being written).
