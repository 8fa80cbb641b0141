// Broken on purpose: a shared object that is no keeper-rotate plugin (exports no ABI tag).
extern "C" __attribute__((visibility("default"))) int some_unrelated_function(void) { return 42; }
