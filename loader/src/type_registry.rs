//! The process-wide canonical type registry: equal function types get
//! equal ids in every module, so that `call_indirect` compares one integer
//! and linking compares types across modules. Ids are held by
//! registrations ([`TypeIds`]: a module's, a host function's); an entry
//! goes when its last registration does, so loading and dropping modules
//! does not grow the registry. An id is not given to another type while
//! the counter lasts (2^32 ids): anything that outlived every registration
//! of its type can only fail to match, never match a different type. After
//! that, ids no registration holds are given again.

use std::collections::HashMap;
use std::sync::Mutex;
use waot_format::types::{FuncType, TypeIndex};

#[derive(Default)]
struct Registry {
    /// Each registered type: its id and how many registrations hold it.
    by_type: HashMap<FuncType, (u32, usize)>,
    /// The type of each id, to find it when a registration goes.
    by_id: HashMap<u32, FuncType>,
    /// The last id given (ids start at 1; 0 is never a type).
    last: u32,
    /// Once the counter has run out: ranges `[start, end)` of ids no
    /// registration held when they were last looked for.
    unused: Vec<(u32, u32)>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Registry::default))
}

impl Registry {
    /// The id of `ty` (whose concrete heap types are canonical ids),
    /// registered once more.
    fn acquire(&mut self, ty: &FuncType) -> u32 {
        if let Some((id, count)) = self.by_type.get_mut(ty) {
            *count += 1;
            return *id;
        }
        let id = match self.last.checked_add(1) {
            Some(id) => {
                self.last = id;
                id
            }
            None => self.reuse(),
        };
        self.by_type.insert(ty.clone(), (id, 1));
        self.by_id.insert(id, ty.clone());
        id
    }

    /// An id no registration holds, once the counter has run out.
    fn reuse(&mut self) -> u32 {
        if self.unused.is_empty() {
            let mut live: Vec<u32> = self.by_id.keys().copied().collect();
            live.sort_unstable();
            let mut next = 1u32;
            for id in live.into_iter().chain([u32::MAX]) {
                if next < id {
                    self.unused.push((next, id));
                }
                next = id.saturating_add(1);
            }
        }
        // 2^32 - 1 live types would need far more memory than exists.
        let range = self.unused.last_mut().expect("an unused type id");
        let id = range.0;
        range.0 += 1;
        if range.0 == range.1 {
            self.unused.pop();
        }
        id
    }

    fn release(&mut self, id: u32) {
        let Some(ty) = self.by_id.get(&id) else {
            return;
        };
        let Some((_, count)) = self.by_type.get_mut(ty) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            let ty = self.by_id.remove(&id).expect("present");
            self.by_type.remove(&ty);
        }
    }
}

/// Canonical ids held for as long as this value lives.
#[derive(Debug)]
pub(crate) struct TypeIds {
    ids: Vec<u32>,
}

impl TypeIds {
    /// The canonical id of each of a module's types, in order. A type's
    /// concrete heap types are replaced by the canonical ids of the types
    /// they name before it is looked up (a reference to itself by 0, which
    /// no type has), so structurally equal types of any two modules get
    /// one id.
    pub(crate) fn of_module(types: &[FuncType]) -> TypeIds {
        with_registry(|registry| {
            let mut ids: Vec<u32> = Vec::with_capacity(types.len());
            for (i, t) in types.iter().enumerate() {
                let key = t.canonical_form(TypeIndex(i as u32), 0, |k| {
                    ids.get(k.index()).copied().unwrap_or(u32::MAX)
                });
                ids.push(registry.acquire(&key));
            }
            TypeIds { ids }
        })
    }

    /// The id of one type whose concrete heap types are canonical ids.
    pub(crate) fn of_canonical(ty: &FuncType) -> TypeIds {
        with_registry(|registry| TypeIds {
            ids: vec![registry.acquire(ty)],
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
            for &id in &self.ids {
                registry.release(id);
            }
        });
    }
}

/// How many types are registered (for tests).
pub fn registered_types() -> usize {
    with_registry(|registry| registry.by_type.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use waot_format::types::ValType;

    fn ty(n: usize) -> FuncType {
        FuncType {
            params: vec![ValType::I32; n],
            results: vec![],
        }
    }

    #[test]
    fn ids_are_given_again_only_once_the_counter_has_run_out() {
        let mut r = Registry {
            last: u32::MAX - 2,
            ..Registry::default()
        };
        let a = r.acquire(&ty(1));
        let b = r.acquire(&ty(2));
        assert_eq!((a, b), (u32::MAX - 1, u32::MAX));
        assert_eq!(r.acquire(&ty(1)), a, "a registered type keeps its id");
        r.release(b);
        // The counter has run out: an id nobody holds, never a held one.
        let c = r.acquire(&ty(3));
        assert!(c != a && c >= 1, "{c}");
        let d = r.acquire(&ty(4));
        assert!(d != a && d != c, "{d}");
        r.release(a);
        r.release(a);
        assert_eq!(r.by_type.len(), 2, "ty(1) went with its last registration");
    }
}
