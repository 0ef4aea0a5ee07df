//! Evaluation metrics computed in the host, for metric plugins to call: heavy numeric work (statistics of feature
//! sets, image comparisons, 3D distances) stays here, while a plugin decides what to compute and how to report it.
//! Each measure names its convention (squared or not, sum or mean, window, data range) in its API.

pub mod distribution;
pub mod pairs;
pub mod points;
