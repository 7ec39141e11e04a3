//! A JSON array of events, walked element by element without building a tree.

use super::Event;
use super::read::Scan;
use crate::engine::EngineError;
use serde::de::{self, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// Walks a JSON array's elements as raw slices, handing each to [`Scan::event`].
pub(super) struct ArrayWalker<'s, 'p, 't, F, E> {
    pub(super) scan: &'s mut Scan<'p>,
    pub(super) on_event: &'s mut F,
    pub(super) text: &'t [u8],
    /// The line at byte `counted_to` of `text`.
    pub(super) line: u64,
    pub(super) counted_to: usize,
    /// The error that stopped the walk, if it came from us rather than from the JSON.
    pub(super) stopped: Option<E>,
}

impl<'de, F, E> Visitor<'de> for &mut ArrayWalker<'_, '_, '_, F, E>
where
    E: From<EngineError>,
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of event objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<&'de RawValue>()? {
            let element = element.get().as_bytes();
            // The element borrows from `text`; its offset gives its line.
            let offset = (element.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
            let counted = self.text.get(self.counted_to..offset).unwrap_or_default();
            self.line += counted.iter().filter(|&&b| b == b'\n').count() as u64;
            self.counted_to = offset.max(self.counted_to);
            if let Err(error) = self.scan.event(element, self.line, self.on_event) {
                self.stopped = Some(error);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}
