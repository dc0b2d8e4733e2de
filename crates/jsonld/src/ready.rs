//! Driving the JSON-LD processor's futures without an executor.

use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Polls a future that cannot wait: the context store answers from memory, so JSON-LD
/// processing completes in one poll and needs no executor (nor a `Send` future).
pub(crate) fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
