// C++ exceptions on wasm exception handling (clang -fwasm-exceptions,
// exnref): a throw across several frames, catch by base class, destructors
// run during unwinding, rethrow with `throw;`, catch (...), and
// std::exception_ptr. Compared with the native build.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

struct Guard {
    const char* name;
    ~Guard() { std::printf("destroy %s\n", name); }
};

struct Base : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct Derived : Base {
    using Base::Base;
};

static int thrower(int n) {
    Guard g{n == 0 ? "innermost" : "frame"};
    if (n == 0)
        throw Derived("boom");
    return thrower(n - 1) + 1;
}

static void rethrower() {
    try {
        throw 42;
    } catch (int& v) {
        v += 1;
        throw;
    }
}

int main() {
    try {
        thrower(3);
    } catch (const Base& e) {
        std::printf("caught base: %s\n", e.what());
    }
    try {
        rethrower();
    } catch (int v) {
        std::printf("rethrown int: %d\n", v);
    }
    try {
        throw std::string("anything");
    } catch (...) {
        std::printf("caught with ...\n");
    }
    std::exception_ptr p;
    try {
        throw std::out_of_range("kept");
    } catch (...) {
        p = std::current_exception();
    }
    try {
        std::rethrow_exception(p);
    } catch (const std::logic_error& e) {
        std::printf("rethrown exception_ptr: %s\n", e.what());
    }
    int caught = 0;
    for (int i = 0; i < 1000; i++) {
        try {
            if (i % 3 == 0)
                throw i;
        } catch (int v) {
            caught += v;
        }
    }
    std::printf("caught %d in a loop\n", caught);
    return 0;
}
