//! Tests of the `url-list` crawler (being written).
