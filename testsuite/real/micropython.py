def f(n):
    if n == 0: raise ValueError('deep %d' % n)
    return f(n-1)
try:
    f(20)
except ValueError as e:
    print('caught', e)
print([x*x for x in range(10)], sum(range(1000)))
import json
print(json.dumps({'a': [1, 2, {'b': None}]}))
class A:
    def __init__(self, v): self.v = v
    def __repr__(self): return 'A(%r)' % self.v
print(sorted([A(3), A(1)], key=lambda a: a.v))
for exc in (ZeroDivisionError, KeyError, IndexError):
    try:
        if exc is ZeroDivisionError: 1/0
        elif exc is KeyError: {}['k']
        else: [][3]
    except exc as e:
        print(type(e).__name__, e)
def gen():
    try:
        yield 1
        yield 2
    finally:
        print('gen closed')
for x in gen(): print('got', x)
try:
    try:
        raise RuntimeError('inner')
    except RuntimeError as e:
        raise TypeError('outer') from e
except TypeError as e:
    print('chained', e)
print(2**100, 10**30 // 7)
