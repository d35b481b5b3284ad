# Project-wide warnings. Applied through iamforge_warnings (an INTERFACE target) so that
# third-party headers found by find_package are not affected.
add_library(iamforge_warnings INTERFACE)
target_compile_options(iamforge_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers
  $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local -Wno-restrict>)
# iamforge_module(NAME SOURCES... DEPS ...): a library exposing only include/iamforge/<name>/.
function(iamforge_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(iamforge_${name} STATIC ${M_SOURCES})
  target_include_directories(iamforge_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(iamforge_${name} PUBLIC ${M_DEPS} PRIVATE iamforge_warnings)
  add_library(iamforge::${name} ALIAS iamforge_${name})
endfunction()
