//! DIF Presentation Exchange v2: presentation definitions, matching, submissions and claim
//! extraction. Pure: no I/O, no clock.
//!
//! Filled by the issue "Presentation Exchange v2 engine".
#![forbid(unsafe_code)]
#![warn(missing_docs)]
