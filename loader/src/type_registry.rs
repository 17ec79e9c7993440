//! The process-wide canonical type registry: equal types get equal ids in
//! every module, so that `call_indirect` compares one integer and linking
//! compares types across modules. Types are registered a recursion group
//! at a time and are equal iso-recursively (GC): groups whose types have
//! the same structure, position for position, referring to the same
//! types outside the group. Each id knows its declared supertype, which
//! `call_indirect` through a non-final type and linking consult. Ids are held by
//! registrations ([`TypeIds`]: a module's, a host function's); an entry
//! goes when its last registration does, so loading and dropping modules
//! does not grow the registry. An id is not given to another type while
//! the counter lasts (2^31 ids): anything that outlived every registration
//! of its type can only fail to match, never match a different type. After
//! that, ids no registration holds are given again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use waot_format::gc_types::{CompositeKind, REC_INTERNAL, TypeContext, rec_group_key};
use waot_format::types::{FuncType, ModuleMeta, SubType, TypeIndex};

/// A registered recursion group's key ([`rec_group_key`] over canonical
/// ids), shared by the entries of its types.
type GroupKey = Arc<Vec<SubType>>;

/// One canonical type.
struct TypeEntry {
    /// The type with every type index it names (supertype, concrete heap
    /// types) replaced by canonical ids.
    ty: SubType,
    /// The group it was registered in.
    group: GroupKey,
}

#[derive(Default)]
struct Registry {
    /// Each registered recursion group: the ids of its types and how many
    /// registrations hold it.
    by_group: HashMap<GroupKey, (Vec<u32>, usize)>,
    /// Each id's type.
    by_id: HashMap<u32, TypeEntry>,
    /// The last id given (ids start at 1; 0 is never a type).
    last: u32,
    /// Once the counter has run out: ranges `[start, end)` of ids no
    /// registration held when they were last looked for.
    unused: Vec<(u32, u32)>,
}

/// Ids stay below this, so that a group key tells them from references
/// within the group.
const ID_LIMIT: u32 = REC_INTERNAL;

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Registry::default))
}

impl Registry {
    /// The ids of the group with this key, registered once more.
    fn acquire(&mut self, key: Vec<SubType>) -> Vec<u32> {
        if let Some((ids, count)) = self.by_group.get_mut(&key) {
            *count += 1;
            return ids.clone();
        }
        let ids: Vec<u32> = key.iter().map(|_| self.next_id()).collect();
        let key: GroupKey = Arc::new(key);
        for (&id, ty) in ids.iter().zip(key.iter()) {
            // A position past the group cannot come from a key of
            // `rec_group_key`; it names no type (0).
            let ty = ty.map_type_index(|t| {
                TypeIndex(if t.0 & REC_INTERNAL != 0 {
                    ids.get((t.0 & !REC_INTERNAL) as usize)
                        .copied()
                        .unwrap_or(0)
                } else {
                    t.0
                })
            });
            let group = key.clone();
            self.by_id.insert(id, TypeEntry { ty, group });
        }
        self.by_group.insert(key, (ids.clone(), 1));
        ids
    }

    fn next_id(&mut self) -> u32 {
        match self.last.checked_add(1).filter(|&id| id < ID_LIMIT) {
            Some(id) => {
                self.last = id;
                id
            }
            None => self.reuse(),
        }
    }

    /// An id no registration holds, once the counter has run out.
    fn reuse(&mut self) -> u32 {
        if self.unused.is_empty() {
            let mut live: Vec<u32> = self.by_id.keys().copied().collect();
            live.sort_unstable();
            let mut next = 1u32;
            for id in live.into_iter().chain([ID_LIMIT]) {
                if next < id {
                    self.unused.push((next, id));
                }
                next = id.saturating_add(1);
            }
        }
        // 2^31 - 1 live types would need far more memory than exists.
        let range = self.unused.last_mut().expect("an unused type id");
        let id = range.0;
        range.0 += 1;
        if range.0 == range.1 {
            self.unused.pop();
        }
        id
    }

    /// Releases one registration of the group of type `id`.
    fn release(&mut self, id: u32) {
        let Some(entry) = self.by_id.get(&id) else {
            return;
        };
        let group = entry.group.clone();
        let Some((ids, count)) = self.by_group.get_mut(&group) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            for id in std::mem::take(ids) {
                self.by_id.remove(&id);
            }
            self.by_group.remove(&group);
        }
    }

    /// Whether type `a` is `b` or declares it as a supertype, transitively.
    fn is_subtype(&self, a: u32, b: u32) -> bool {
        let mut at = Some(a);
        // Each supertype was registered before its subtype: the walk ends.
        while let Some(id) = at {
            if id == b {
                return true;
            }
            at = self
                .by_id
                .get(&id)
                .and_then(|e| e.ty.supertype)
                .map(|t| t.0);
        }
        false
    }
}

/// Canonical ids held for as long as this value lives.
#[derive(Debug)]
pub(crate) struct TypeIds {
    ids: Vec<u32>,
    /// The first id of each group registered, to release it.
    groups: Vec<u32>,
}

impl TypeIds {
    /// The canonical id of each of a module's types, in order, the types
    /// grouped in recursion groups of `rec_groups` sizes: iso-recursively
    /// equal groups of any two modules (compared by [`rec_group_key`] with
    /// the ids of the types outside the group) give their types equal ids.
    pub(crate) fn of_module(module: &ModuleMeta) -> TypeIds {
        with_registry(|registry| {
            let mut out = TypeIds {
                ids: Vec::with_capacity(module.types.len()),
                groups: Vec::with_capacity(module.rec_groups.len()),
            };
            for group in module.rec_group_ranges() {
                // A reference to a later group (which validation refuses)
                // names no type: 0, which no type has.
                let start = group.start as u32;
                let key = rec_group_key(&module.types[group], start, |k| {
                    out.ids.get(k.index()).copied().unwrap_or(0)
                });
                let ids = registry.acquire(key);
                out.groups.extend(ids.first());
                out.ids.extend(ids);
            }
            out
        })
    }

    /// The id of one function type whose concrete heap types are canonical
    /// ids (final, alone in its group: a host function's).
    pub(crate) fn of_canonical(ty: &FuncType) -> TypeIds {
        // A host's type may name any `u32`; one at or above the limit is
        // no canonical id (and must not read as a member of the group).
        let key = SubType::func(ty.clone())
            .map_type_index(|t| TypeIndex(if t.0 < ID_LIMIT { t.0 } else { 0 }));
        with_registry(|registry| {
            let ids = registry.acquire(vec![key]);
            TypeIds {
                groups: ids.clone(),
                ids,
            }
        })
    }

    /// One more registration of the group of type `id`, for something of
    /// exactly that type (an unresolved import's stand-in); an id no
    /// registration holds is kept without one.
    pub(crate) fn of_id(id: u32) -> TypeIds {
        with_registry(|registry| {
            let group = registry.by_id.get(&id).map(|e| e.group.clone());
            let held = group.and_then(|g| registry.by_group.get_mut(&g));
            let groups = match held {
                Some((_, count)) => {
                    *count += 1;
                    vec![id]
                }
                None => Vec::new(),
            };
            TypeIds {
                ids: vec![id],
                groups,
            }
        })
    }

    /// The ids, in registration order.
    pub(crate) fn ids(&self) -> &[u32] {
        &self.ids
    }
}

impl Drop for TypeIds {
    fn drop(&mut self) {
        with_registry(|registry| {
            for &id in &self.groups {
                registry.release(id);
            }
        });
    }
}

/// Whether the type of canonical id `a` is that of `b` or declares it as
/// a supertype, transitively (both held by some registration).
pub(crate) fn is_subtype(a: u32, b: u32) -> bool {
    a == b || with_registry(|registry| registry.is_subtype(a, b))
}

/// The registry as a [`TypeContext`] of canonical ids (taking its lock for
/// each question).
pub(crate) struct CanonicalTypes;

impl TypeContext for CanonicalTypes {
    fn kind(&self, t: TypeIndex) -> Option<CompositeKind> {
        with_registry(|registry| registry.by_id.get(&t.0).map(|e| e.ty.kind()))
    }

    fn is_concrete_subtype(&self, a: TypeIndex, b: TypeIndex) -> bool {
        is_subtype(a.0, b.0)
    }
}

/// How many types are registered (for tests).
pub fn registered_types() -> usize {
    with_registry(|registry| registry.by_id.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use waot_format::types::ValType;

    fn ty(n: usize) -> Vec<SubType> {
        vec![SubType::func(FuncType {
            params: vec![ValType::I32; n],
            results: vec![],
        })]
    }

    #[test]
    fn ids_are_given_again_only_once_the_counter_has_run_out() {
        let mut r = Registry {
            last: ID_LIMIT - 3,
            ..Registry::default()
        };
        let a = r.acquire(ty(1))[0];
        let b = r.acquire(ty(2))[0];
        assert_eq!((a, b), (ID_LIMIT - 2, ID_LIMIT - 1));
        assert_eq!(r.acquire(ty(1))[0], a, "a registered type keeps its id");
        r.release(b);
        // The counter has run out: an id nobody holds, never a held one.
        let c = r.acquire(ty(3))[0];
        assert!(c != a && c >= 1, "{c}");
        let d = r.acquire(ty(4))[0];
        assert!(d != a && d != c, "{d}");
        r.release(a);
        r.release(a);
        assert_eq!(r.by_id.len(), 2, "ty(1) went with its last registration");
    }
}
