//! Simulator being written (issue 2).
