//! Tests of the `artic` crawler (being written).
