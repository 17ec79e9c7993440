//! Functions of a store: [`Func`] handles, [`TypedFunc`] with Rust
//! parameter and result types, the [`Caller`] a host function receives,
//! and the traits that turn Rust closures into host functions.

use super::instance::Extern;
use super::store::{AsContext, AsContextMut, StoreContext, StoreContextMut, StoreId, StoreInner};
use crate::Error;
use crate::instance::InstanceData;
use crate::values::Val;
use std::marker::PhantomData;
use waot_format::types::{FuncType, ValType};

/// A function in a store (exported by an instance, or a host function).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

impl Func {
    /// Its signature.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let store = store.as_context();
        store
            .0
            .check(self.store)
            .map(|()| store.0.objects.funcs[self.index].ty.clone())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Calls it with `params`, writing its results into `results`, which
    /// must have room for exactly as many values.
    pub fn call(
        &self,
        mut store: impl AsContextMut<Data: 'static>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let inner = store.as_context_mut().0;
        inner.check(self.store)?;
        let wanted = inner.objects.funcs[self.index].ty.results.len();
        if wanted != results.len() {
            return Err(Error::msg(format!(
                "expected room for {wanted} result(s), got {}",
                results.len()
            )));
        }
        let values = call(inner, *self, params)?;
        results.copy_from_slice(&values);
        Ok(())
    }

    /// This function with Rust types: an error unless they are its type.
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>, Error> {
        let store = store.as_context();
        store.0.check(self.store)?;
        let ty = &store.0.objects.funcs[self.index].ty;
        let wanted = FuncType {
            params: P::types(),
            results: R::types(),
        };
        let matches = ty.params.len() == wanted.params.len()
            && ty.results.len() == wanted.results.len()
            && ty.params.iter().zip(&wanted.params).all(|(a, b)| a == b)
            && ty.results.iter().zip(&wanted.results).all(|(a, b)| a == b);
        if !matches {
            return Err(Error::msg(format!(
                "type mismatch: the function is {ty}, not {wanted}"
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _types: PhantomData,
        })
    }
}

/// Calls function `f` of `store` from the host.
pub(crate) fn call<T: 'static>(
    store: &mut StoreInner<T>,
    f: Func,
    params: &[Val],
) -> Result<Vec<Val>, Error> {
    store.check(f.store)?;
    store.check_refs(params)?;
    let func = store.objects.funcs[f.index].clone();
    let limits: *const crate::interrupt::VMRuntimeLimits = &*store.limits;
    let max_wasm_stack = store.options.max_wasm_stack;
    super::store::enter(store, || {
        // SAFETY: the block is boxed in the store, which the caller
        // borrows for the whole call; nothing frees or moves it.
        let limits = unsafe { &*limits };
        crate::instance::call_func(&func, params, 0, limits, max_wasm_stack)
    })
    .map_err(Error::from)
}

/// A [`Func`] whose parameter and result types are checked once, when it
/// is made: `P` is `()`, one type or a tuple of [`WasmTy`], `R` likewise.
pub struct TypedFunc<P, R> {
    func: Func,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut<Data: 'static>, params: P) -> Result<R, Error> {
        let values = call(store.as_context_mut().0, self.func, &params.into_vals())?;
        Ok(R::from_vals(&values))
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}

/// A Rust type that is a wasm value type.
pub trait WasmTy: Copy + 'static {
    /// Its wasm type.
    fn ty() -> ValType;
    /// As a value.
    fn into_val(self) -> Val;
    /// From a value of [`WasmTy::ty`].
    fn from_val(v: Val) -> Self;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:ident, $variant:ident, $to:expr, $from:expr;)*) => {$(
        impl WasmTy for $t {
            fn ty() -> ValType {
                ValType::$vt
            }
            fn into_val(self) -> Val {
                Val::$variant(($to)(self))
            }
            fn from_val(v: Val) -> Self {
                match v {
                    Val::$variant(x) => ($from)(x),
                    other => unreachable!("a checked {} value, got {other:?}", stringify!($t)),
                }
            }
        }
    )*};
}

wasm_ty! {
    i32 => I32, I32, |x| x, |x| x;
    u32 => I32, I32, |x: u32| x as i32, |x: i32| x as u32;
    i64 => I64, I64, |x| x, |x| x;
    u64 => I64, I64, |x: u64| x as i64, |x: i64| x as u64;
    f32 => F32, F32, f32::to_bits, f32::from_bits;
    f64 => F64, F64, f64::to_bits, f64::from_bits;
    crate::ExternRef => ExternRef, ExternRef, |x| x, |x| x;
}

impl WasmTy for crate::AnyRef {
    fn ty() -> ValType {
        ValType::reference(true, waot_format::types::HeapType::Any)
    }
    fn into_val(self) -> Val {
        Val::AnyRef(self)
    }
    fn from_val(v: Val) -> Self {
        match v {
            Val::AnyRef(x) => x,
            other => unreachable!("a checked anyref value, got {other:?}"),
        }
    }
}

/// Parameters of a typed function: `()`, one [`WasmTy`] or a tuple.
pub trait WasmParams {
    /// Their wasm types.
    fn types() -> Vec<ValType>;
    /// As values.
    fn into_vals(self) -> Vec<Val>;
    /// From values of [`WasmParams::types`].
    fn from_vals(values: &[Val]) -> Self;
}

/// Results of a typed function: the same shapes.
pub trait WasmResults: WasmParams {}

impl<T: WasmParams> WasmResults for T {}

impl<T: WasmTy> WasmParams for T {
    fn types() -> Vec<ValType> {
        vec![T::ty()]
    }
    fn into_vals(self) -> Vec<Val> {
        vec![self.into_val()]
    }
    fn from_vals(values: &[Val]) -> Self {
        T::from_val(values[0])
    }
}

macro_rules! wasm_params {
    ($($n:ident $i:tt),*) => {
        impl<$($n: WasmTy),*> WasmParams for ($($n,)*) {
            fn types() -> Vec<ValType> {
                vec![$($n::ty()),*]
            }
            #[allow(clippy::unused_unit)]
            fn into_vals(self) -> Vec<Val> {
                vec![$(self.$i.into_val()),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn from_vals(values: &[Val]) -> Self {
                ($($n::from_val(values[$i]),)*)
            }
        }
    };
}

wasm_params!();
wasm_params!(A 0, B 1);
wasm_params!(A 0, B 1, C 2);
wasm_params!(A 0, B 1, C 2, D 3);
wasm_params!(A 0, B 1, C 2, D 3, E 4);
wasm_params!(A 0, B 1, C 2, D 3, E 4, F 5);
wasm_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
wasm_params!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// What a host closure may return: results, or `Result` of them (an
/// error traps the calling wasm with "host function error").
pub trait HostResult {
    /// The results' types.
    type Results: WasmResults;
    /// The results, or the error.
    fn into_result(self) -> Result<Self::Results, Error>;
}

impl<R: WasmResults> HostResult for R {
    type Results = R;
    fn into_result(self) -> Result<R, Error> {
        Ok(self)
    }
}

impl<R: WasmResults> HostResult for Result<R, Error> {
    type Results = R;
    fn into_result(self) -> Result<R, Error> {
        self
    }
}

/// What a host function sees: the store's data and the calling instance's
/// exports, valid for the duration of the call.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut StoreInner<T>,
    pub(crate) instance: *const InstanceData,
}

impl<T> Caller<'_, T> {
    /// The store's data.
    pub fn data(&self) -> &T {
        &self.store.data
    }

    /// The store's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }

    /// An export of the calling instance (`memory`, typically), if the
    /// caller is an instance of this store and exports `name`.
    pub fn get_export(&mut self, name: &str) -> Option<Extern> {
        let index = self
            .store
            .objects
            .instances
            .iter()
            .position(|i| std::ptr::eq(i.data_ptr(), self.instance))?;
        let instance = super::instance::Instance {
            store: self.store.id,
            index,
        };
        instance.export(self.store, name)
    }

    /// The fuel left (see [`crate::Store::get_fuel`]).
    pub fn get_fuel(&self) -> Result<u64, Error> {
        self.store.get_fuel()
    }

    /// Sets the fuel left (see [`crate::Store::set_fuel`]).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.store.set_fuel(fuel)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

/// A Rust closure usable as a host function of a `Linker<T>`: `Fn(Caller<'_,
/// T>, A, B, …) -> R` or `Fn(A, B, …) -> R`, with parameters of
/// [`WasmTy`] and `R` a [`HostResult`]. `Params` and `Marker` only tell the
/// implementations apart.
pub trait IntoFunc<T, Params, Marker>: Send + Sync + 'static {
    /// The function's wasm type.
    fn func_type(&self) -> FuncType;
    /// Calls it with values of that type.
    fn call(&self, caller: Caller<'_, T>, params: &[Val]) -> Result<Vec<Val>, Error>;
}

/// Marks closures that take a [`Caller`] first.
pub struct WithCaller;

/// Marks closures that do not.
pub struct WithoutCaller;

macro_rules! into_func {
    ($($n:ident $i:tt),*) => {
        impl<T, Closure, $($n: WasmTy,)* R> IntoFunc<T, ($($n,)*), (WithCaller, R)> for Closure
        where
            Closure: Fn(Caller<'_, T>, $($n),*) -> R + Send + Sync + 'static,
            R: HostResult,
        {
            fn func_type(&self) -> FuncType {
                FuncType {
                    params: vec![$($n::ty()),*],
                    results: R::Results::types(),
                }
            }
            #[allow(unused_variables)]
            fn call(&self, caller: Caller<'_, T>, params: &[Val]) -> Result<Vec<Val>, Error> {
                let results = self(caller, $($n::from_val(params[$i])),*).into_result()?;
                Ok(results.into_vals())
            }
        }

        impl<T, Closure, $($n: WasmTy,)* R> IntoFunc<T, ($($n,)*), (WithoutCaller, R)> for Closure
        where
            Closure: Fn($($n),*) -> R + Send + Sync + 'static,
            R: HostResult,
        {
            fn func_type(&self) -> FuncType {
                FuncType {
                    params: vec![$($n::ty()),*],
                    results: R::Results::types(),
                }
            }
            #[allow(unused_variables)]
            fn call(&self, caller: Caller<'_, T>, params: &[Val]) -> Result<Vec<Val>, Error> {
                let results = self($($n::from_val(params[$i])),*).into_result()?;
                Ok(results.into_vals())
            }
        }
    };
}

into_func!();
into_func!(A 0);
into_func!(A 0, B 1);
into_func!(A 0, B 1, C 2);
into_func!(A 0, B 1, C 2, D 3);
into_func!(A 0, B 1, C 2, D 3, E 4);
into_func!(A 0, B 1, C 2, D 3, E 4, F 5);
into_func!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
into_func!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
