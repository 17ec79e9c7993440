//! The WASI descriptor table and its numbering rule, which follows
//! Wasmtime's preview-1 implementation (the reference programs are tested
//! against): a new descriptor takes the highest number freed earlier and not
//! yet reused, else one more than the highest number in use. POSIX's "lowest
//! free number" is deliberately not used: after a guest renumbers stdio away
//! (`fd_renumber(1, n)`), files it opens must not land on 1 or 2, where its
//! own console output would then be written into them.

use super::fd::Entry;
use super::{Errno, WasiResult, errno};
use std::collections::{BTreeMap, BTreeSet};

/// Open descriptors and the numbers free for reuse.
#[derive(Default)]
pub(crate) struct Table {
    used: BTreeMap<u32, Entry>,
    free: BTreeSet<u32>,
}

impl Table {
    /// Adds `entry` under the next number (see the module comment).
    pub(crate) fn insert(&mut self, entry: Entry) -> WasiResult<u32> {
        let fd = match self.free.pop_last() {
            Some(fd) => fd,
            None => match self.used.last_key_value() {
                None => 0,
                Some((&last, _)) => match last.checked_add(1) {
                    Some(fd) => fd,
                    None => (0..u32::MAX)
                        .rev()
                        .find(|n| !self.used.contains_key(n))
                        .ok_or(Errno(errno::NFILE))?,
                },
            },
        };
        self.used.insert(fd, entry);
        Ok(fd)
    }

    /// Puts `entry` at `fd` (building the initial table only).
    pub(crate) fn insert_at(&mut self, fd: u32, entry: Entry) {
        self.free.remove(&fd);
        self.used.insert(fd, entry);
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Entry> {
        self.used.get_mut(&fd).ok_or(Errno(errno::BADF))
    }

    pub(crate) fn get(&self, fd: u32) -> Option<&Entry> {
        self.used.get(&fd)
    }

    /// Closes `fd`; its number becomes free for reuse.
    pub(crate) fn remove(&mut self, fd: u32) -> WasiResult<Entry> {
        let entry = self.used.remove(&fd).ok_or(Errno(errno::BADF))?;
        self.free.insert(fd);
        Ok(entry)
    }

    /// `fd_renumber`: both descriptors must be open (preview 1 has no
    /// `dup2`); `to` is closed and replaced by `from`, whose number is freed.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        if !self.used.contains_key(&from) || !self.used.contains_key(&to) {
            return Err(Errno(errno::BADF));
        }
        if from != to {
            let entry = self.remove(from)?;
            self.used.insert(to, entry);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(open: &[u32]) -> Table {
        let mut t = Table::default();
        for &fd in open {
            t.insert_at(fd, Entry::Stdin);
        }
        t
    }

    #[test]
    fn new_descriptors_go_above_the_highest_in_use() {
        let mut t = table(&[0, 1, 2, 3]);
        assert_eq!(t.insert(Entry::Stdin), Ok(4));
        assert_eq!(t.insert(Entry::Stdin), Ok(5));
    }

    #[test]
    fn the_highest_freed_number_is_reused_first() {
        let mut t = table(&[0, 1, 2, 3, 4, 5, 6]);
        t.remove(4).unwrap();
        t.remove(6).unwrap();
        assert_eq!(t.insert(Entry::Stdin), Ok(6));
        assert_eq!(t.insert(Entry::Stdin), Ok(4));
        assert_eq!(t.insert(Entry::Stdin), Ok(7));
    }

    #[test]
    fn stdio_renumbered_away_is_not_handed_out_before_higher_numbers() {
        // yosys before running ABC: a scratch file at 3 and 4, stdout and
        // stderr renumbered onto them, the scratch file's number freed.
        let mut t = table(&[0, 1, 2, 3, 4, 5]);
        t.renumber(1, 3).unwrap();
        t.renumber(2, 4).unwrap();
        // The targets 1 and 2 are closed now: renumbering onto them fails.
        assert_eq!(t.renumber(5, 1), Err(Errno(errno::BADF)));
        t.remove(5).unwrap();
        assert_eq!(t.insert(Entry::Stdin), Ok(5));
        assert_eq!(t.insert(Entry::Stdin), Ok(2));
    }

    #[test]
    fn renumber_needs_both_descriptors_open() {
        let mut t = table(&[0, 1, 2]);
        assert_eq!(t.renumber(7, 1), Err(Errno(errno::BADF)));
        assert_eq!(t.renumber(1, 7), Err(Errno(errno::BADF)));
        assert_eq!(t.renumber(1, 1), Ok(()));
        assert!(t.get(1).is_some());
    }
}
