//! Tests of the `smithsonian` crawler (being written).
