//! How many outbound fetches one inbound request may cause. Anyone can send the public
//! listener a presentation that names signers, issuers and status lists on servers of their
//! choosing; each costs a fetch of up to `http.client.timeout`. The public listener runs every
//! request within a budget (`http.public.outboundbudget`), which every fetch of the outbound
//! client spends, whichever service makes it; a cached answer costs nothing.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

tokio::task_local! {
    static BUDGET: Budget;
}

/// What is left of a request's budget.
#[derive(Debug)]
struct Budget {
    remaining: AtomicUsize,
}

/// Runs `request` with at most `fetches` outbound fetches.
pub async fn within<F: Future>(fetches: usize, request: F) -> F::Output {
    BUDGET
        .scope(
            Budget {
                remaining: AtomicUsize::new(fetches),
            },
            request,
        )
        .await
}

/// Takes one fetch from the current request's budget: `false` when it is spent. Work outside
/// a budgeted request (the internal listener, start-up) is not counted.
pub fn spend() -> bool {
    BUDGET
        .try_with(|budget| {
            budget
                .remaining
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
        })
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_is_spent_once_per_fetch_and_only_within_its_request() {
        let spent = within(2, async { [spend(), spend(), spend(), spend()] }).await;
        assert_eq!(spent, [true, true, false, false]);
        assert!(spend(), "outside a budgeted request, nothing is counted");
        let nested = within(1, async { within(0, async { spend() }).await }).await;
        assert!(!nested, "the innermost budget counts");
    }
}
