;; `rethrow` names a label that is not a catch: the message says so, not
;; that the legacy exception encoding is off.
(module (func block rethrow 0 end))
