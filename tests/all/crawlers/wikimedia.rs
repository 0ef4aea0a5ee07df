//! Tests of the `wikimedia` crawler (being written).
