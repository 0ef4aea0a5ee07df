//! Tests of the `iconify` crawler (being written).
