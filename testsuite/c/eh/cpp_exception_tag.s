# The tag C++ exceptions are thrown with (clang -fwasm-exceptions refers to
# it; libc++abi defines it in toolchains that ship an exception-enabled
# build, which the one this directory uses does not).
	.tagtype __cpp_exception i32
	.globl __cpp_exception
__cpp_exception:
