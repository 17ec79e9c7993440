;; A type error inside a legacy `try`: the message is the type error, not
;; "exceptions proposal not enabled" (where validation without the exception
;; proposals stops first).
(module
  (tag $e)
  (func (local i64)
    try
      i32.const 1
      local.set 0
    catch $e
    end))
