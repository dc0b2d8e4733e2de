//! Integration tests of the hazel application, in one binary so that it is linked once.
//!
//! Tests that need PostgreSQL (127.0.0.1:5432, user postgres, database test) or Redis
//! (127.0.0.1:6379) use them when they answer. When they do not, the test fails if `CI=true` and
//! otherwise says it skipped, on stderr. Override the addresses with `TEST_POSTGRES_URL` and
//! `TEST_REDIS_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorization;
mod cli;
mod config;
mod e2e;
mod http;
mod jsonld;
mod keys;
mod memory;
mod policy;
mod resolver;
mod s2s;
mod sessions;
mod sql;
mod support;
mod vcr;
mod vdr;
