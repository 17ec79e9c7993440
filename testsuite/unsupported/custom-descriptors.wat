(module (rec (type $a (descriptor $b) (struct)) (type $b (describes $a) (struct))))
