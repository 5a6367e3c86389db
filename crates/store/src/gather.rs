//! Gathering: what concurrent callers hand in while a round is being written waits, and the
//! next round takes all of it at once, so that many rows go in one statement and one commit.
//! A caller alone is written at once; under load, rounds grow with the load. (Letting a few
//! rounds be on their way at once measured no faster: the rounds only got smaller.)

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// The most items one round takes.
const MAX_ROUND: usize = 256;

type Arrival<In, Out> = (In, oneshot::Sender<Result<Out>>);

/// The handle callers hand items in by; its task ends once every handle is gone.
pub(crate) struct Gather<In, Out> {
    queue: mpsc::Sender<Arrival<In, Out>>,
}

impl<In: Send + 'static, Out: Send + 'static> Gather<In, Out> {
    /// Starts the task that writes rounds with `round`, which answers each item of a round in
    /// its order.
    pub fn start<F>(round: F) -> Self
    where
        F: Fn(Vec<In>) -> BoxFuture<'static, Vec<Result<Out>>> + Send + 'static,
    {
        let (queue, arrivals) = mpsc::channel(4 * MAX_ROUND);
        tokio::spawn(run_rounds(arrivals, round));
        Self { queue }
    }

    /// Hands `item` in and waits for its round's answer.
    pub async fn submit(&self, item: In) -> Result<Out> {
        let (answer, answered) = oneshot::channel();
        let gone = || StoreError::Unavailable("the write was not committed".into());
        self.queue.send((item, answer)).await.map_err(|_| gone())?;
        answered.await.map_err(|_| gone())?
    }
}

async fn run_rounds<In, Out, F>(mut arrivals: mpsc::Receiver<Arrival<In, Out>>, round: F)
where
    F: Fn(Vec<In>) -> BoxFuture<'static, Vec<Result<Out>>>,
{
    let mut waiting = Vec::with_capacity(MAX_ROUND);
    while arrivals.recv_many(&mut waiting, MAX_ROUND).await > 0 {
        let (items, answers): (Vec<In>, Vec<_>) = waiting.drain(..).unzip();
        // A round that answers too few leaves the rest to learn, by the dropped sender, that
        // their write is not known to be committed.
        for (answer, result) in answers.into_iter().zip(round(items).await) {
            let _ = answer.send(result);
        }
    }
}
