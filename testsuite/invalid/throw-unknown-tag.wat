;; A `throw` of a tag the module does not have: the message names the tag,
;; not the exception proposal.
(module (func (throw 0)))
