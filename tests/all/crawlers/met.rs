//! Tests of the `met` crawler (being written).
