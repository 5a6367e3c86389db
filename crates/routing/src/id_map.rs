//! The map from agent and conversation ids to their slots.
//!
//! Every command names its conversation and agent by id, so this lookup starts nearly every
//! decision, in a map of up to millions of entries that mostly is not in cache. A general hash
//! map keeps its control bytes apart from its entries, which costs two cache misses per lookup;
//! this one keeps id and slot side by side in an open-addressing table (linear probing, deletion
//! by backward shift, at most 5/8 full), so a lookup usually reads one cache line.

use domain::Uuid;

/// Marks a free slot of the table (no agent or conversation gets this index).
const FREE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Slot {
    id: Uuid,
    index: u32,
}

const FREE_SLOT: Slot = Slot {
    id: Uuid::nil(),
    index: FREE,
};

#[derive(Default)]
pub struct IdMap {
    /// A power of two long (or empty).
    slots: Vec<Slot>,
    len: usize,
}

impl IdMap {
    pub fn get(&self, id: &Uuid) -> Option<u32> {
        self.find(id).map(|i| self.slots[i].index)
    }

    pub fn contains(&self, id: &Uuid) -> bool {
        self.find(id).is_some()
    }

    /// Maps `id` to `index`, replacing what it mapped to.
    pub fn insert(&mut self, id: Uuid, index: u32) {
        assert_ne!(index, FREE, "index reserved for free slots");
        if let Some(i) = self.find(&id) {
            self.slots[i].index = index;
            return;
        }
        if (self.len + 1) * 8 > self.slots.len() * 5 {
            self.grow();
        }
        self.place(Slot { id, index });
        self.len += 1;
    }

    pub fn remove(&mut self, id: &Uuid) -> Option<u32> {
        let found = self.find(id)?;
        let index = self.slots[found].index;
        self.close_gap(found);
        self.len -= 1;
        Some(index)
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// Where probing for `id` starts: its hash (the id's halves folded, then fully mixed:
    /// sequential ids must still spread), reduced to the table.
    fn home(&self, id: &Uuid) -> usize {
        let (high, low) = id.as_u64_pair();
        let mut h = high.rotate_left(32) ^ low;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h as usize & self.mask()
    }

    fn find(&self, id: &Uuid) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let mut i = self.home(id);
        loop {
            let slot = &self.slots[i];
            if slot.index == FREE {
                return None;
            }
            if slot.id == *id {
                return Some(i);
            }
            i = (i + 1) & self.mask();
        }
    }

    /// Puts an id known to be absent in the first free slot from its home.
    fn place(&mut self, slot: Slot) {
        let mut i = self.home(&slot.id);
        while self.slots[i].index != FREE {
            i = (i + 1) & self.mask();
        }
        self.slots[i] = slot;
    }

    /// Frees slot `hole` and moves back the entries after it that probing could no longer
    /// reach, so that no lookup ever stops early at a free slot.
    fn close_gap(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut i = hole;
        loop {
            i = (i + 1) & mask;
            let slot = self.slots[i];
            if slot.index == FREE {
                break;
            }
            // The entry may fill the hole when the hole lies between its home and where it is.
            let home = self.home(&slot.id);
            if i.wrapping_sub(home) & mask >= i.wrapping_sub(hole) & mask {
                self.slots[hole] = slot;
                hole = i;
            }
        }
        self.slots[hole] = FREE_SLOT;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![FREE_SLOT; size]);
        for slot in old.into_iter().filter(|s| s.index != FREE) {
            self.place(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Random inserts, replacements and removals (many ids sharing a home after the table is
    /// reduced), checked against a standard map after every step.
    #[test]
    fn behaves_like_a_map() {
        let mut map = IdMap::default();
        let mut model: HashMap<Uuid, u32> = HashMap::new();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for step in 0..200_000u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let id = Uuid::from_u128(u128::from(state % 3_000));
            match state % 3 {
                0 => {
                    assert_eq!(map.remove(&id), model.remove(&id));
                }
                _ => {
                    map.insert(id, step);
                    model.insert(id, step);
                }
            }
            assert_eq!(map.get(&id), model.get(&id).copied());
            assert_eq!(map.len, model.len());
        }
        for (id, index) in &model {
            assert_eq!(map.get(id), Some(*index));
        }
        assert!(!map.contains(&Uuid::from_u128(3_000)));
    }
}
