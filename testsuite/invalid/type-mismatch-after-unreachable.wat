;; After `unreachable` the stack is polymorphic, but a concrete i64 pushed
;; afterwards still cannot feed i32.add.
(module (func (result i32) unreachable i64.const 0 i32.add))
