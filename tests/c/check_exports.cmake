# authkv tests. Licensed under the ISC license.
#
# Checks libauthkv.so's dynamic symbol table against the public header:
# every exported symbol is a function authkv.h declares (no leaked core,
# RocksDB or libstdc++ symbol that a host could bind to or clash with), every
# declared function is exported (a declared but undefined one only fails in a
# client), and the SONAME carries the ABI version: it must be
# libauthkv.so.<ABI_VERSION>, the SOVERSION bindings/c/CMakeLists.txt sets
# from AUTHKV_ABI_VERSION, so a client linked against one ABI never loads a
# library of another.
#
# Usage: cmake -DNM=<nm> -DOBJDUMP=<objdump> -DLIB=<libauthkv.so>
#              -DHEADER=<authkv.h> -DABI_VERSION=<n> -P check_exports.cmake

foreach(var NM OBJDUMP LIB HEADER ABI_VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_exports: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --defined-only ${LIB}
  OUTPUT_VARIABLE nm_out RESULT_VARIABLE nm_rc)
if(NOT nm_rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}: ${nm_rc}")
endif()

# nm lines look like "000000000000b320 T authkv_abi_version".
string(REGEX MATCHALL "[^\n]+" nm_lines "${nm_out}")
set(exported "")
set(foreign "")
foreach(line IN LISTS nm_lines)
  if(NOT line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ ]+)$")
    message(FATAL_ERROR "unexpected nm line: ${line}")
  endif()
  set(kind "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(name MATCHES "^authkv_" AND kind STREQUAL "T")
    list(APPEND exported "${name}")
  else()
    list(APPEND foreign "${kind} ${name}")
  endif()
endforeach()

file(READ ${HEADER} header)
string(REGEX MATCHALL "AUTHKV_API[^;(]*[ *]authkv_[a-z0-9_]+\\(" decls "${header}")
set(declared "")
foreach(decl IN LISTS decls)
  string(REGEX MATCH "authkv_[a-z0-9_]+\\($" name "${decl}")
  string(REGEX REPLACE "\\($" "" name "${name}")
  list(APPEND declared "${name}")
endforeach()

list(SORT exported)
list(SORT declared)
# The empty item keeps REMOVE_ITEM valid when a list is empty.
set(missing ${declared})
list(REMOVE_ITEM missing ${exported} "")
set(undeclared ${exported})
list(REMOVE_ITEM undeclared ${declared} "")

execute_process(COMMAND ${OBJDUMP} -p ${LIB} OUTPUT_VARIABLE dyn RESULT_VARIABLE dyn_rc)
string(REGEX MATCH "SONAME +([^\n]+)" soname_line "${dyn}")
set(soname "${CMAKE_MATCH_1}")

list(LENGTH exported exported_count)
list(LENGTH declared declared_count)
message(STATUS "${exported_count} authkv_* functions exported, ${declared_count} declared; SONAME ${soname}")

set(errors "")
if(declared_count EQUAL 0)
  string(APPEND errors "no AUTHKV_API declarations found in ${HEADER}\n")
endif()
foreach(what foreign missing undeclared)
  if(NOT "${${what}}" STREQUAL "")
    list(JOIN ${what} ", " joined)
    string(APPEND errors "${what} symbols: ${joined}\n")
  endif()
endforeach()
if(NOT dyn_rc EQUAL 0 OR NOT soname STREQUAL "libauthkv.so.${ABI_VERSION}")
  string(APPEND errors "SONAME is '${soname}', want libauthkv.so.${ABI_VERSION}\n")
endif()
if(errors)
  message(FATAL_ERROR "libauthkv.so exports do not match authkv.h:\n${errors}")
endif()
