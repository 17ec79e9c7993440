(module (import "m" (item "a" (func)) (item "b" (func))))
