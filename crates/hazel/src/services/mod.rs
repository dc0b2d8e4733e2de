//! The node's domain services over its stores: the subjects it hosts and their keys, credentials
//! (verifier, wallets, holder, issuer), policy (scope → Presentation Definition), usage-time
//! authorization, access tokens, single-use values, DPoP and the audit trail.

pub mod audit;
pub mod authorization;
pub mod credentials;
pub mod dpop;
pub mod keys;
pub mod policy;
pub mod replay;
pub mod scopes;
pub mod subjects;
pub mod tokens;
