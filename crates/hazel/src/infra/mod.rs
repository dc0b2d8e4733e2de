//! Infrastructure: what every service stands on and none decides anything with. Storage (SQL and
//! the session store), the one guarded outbound HTTP client, DID resolution, metrics, logging and
//! the clock.

pub mod clock;
pub mod logging;
pub mod metrics;
pub mod outbound;
pub mod resolver;
pub mod storage;
