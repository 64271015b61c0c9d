// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Overloaded: one visitor made of several lambdas, for std::visit over a
// Record (the inspection library and the dump tool both switch on the kind
// that way).
//
// Thread safety: a type; nothing shared.

#ifndef AUTHKV_TOOLS_INSPECT_INCLUDE_AUTHKV_OVERLOADED_H_
#define AUTHKV_TOOLS_INSPECT_INCLUDE_AUTHKV_OVERLOADED_H_

namespace authkv {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Spelled out: clang before 17 has no class template argument deduction
// for aggregates.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace authkv

#endif  // AUTHKV_TOOLS_INSPECT_INCLUDE_AUTHKV_OVERLOADED_H_
