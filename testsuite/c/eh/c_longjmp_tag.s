# The tag longjmp throws (clang -mllvm -wasm-enable-sjlj refers to it;
# wasi-sdk's compiler-rt defines it, the toolchain this directory uses does
# not).
	.tagtype __c_longjmp i32
	.globl __c_longjmp
__c_longjmp:
