# Third-party libraries, all from Debian packages (scripts/setup.sh installs them), as targets the
# modules link: iamforge_dep_sqlite, iamforge_dep_yaml, iamforge_dep_expat, iamforge_dep_jemalloc.
#
# IAMFORGE_STATIC_DEPS (default ON, OFF with sanitizers): link SQLite, yaml-cpp, expat and jemalloc
# from the static archives their -dev packages ship, so that a command does not map and relocate more
# shared objects before it starts. Measured (perf stat -r 30, three alternating rounds), when
# libcrypto was a fourth: `iamforge --version` 3.0 -> 2.3 ms, the batch about 0.8 ms less. The
# archives' code is then that of the build: a Debian security update of these three reaches
# iamforge when it is rebuilt (`make build`).
#
# libcurl, libmicrohttpd and OpenSSL's libcrypto are neither linked statically nor shared: they are
# opened with dlopen when first needed (base/dynlib.hpp), and only their headers are used here.
# Linked statically, libcrypto's tables put ~20,000 relocations in the executable, ~80 dirty pages
# at every start.
#
# expat (XML for the AWS client, src/aws/xml.hpp) is linked from its archive as well. With no C++
# shared library left (tinyxml2 was one), the CLI links libstdc++ and libgcc statically too
# (IAMFORGE_STATIC_RUNTIME, below): every command then starts without mapping, relocating and
# resolving libstdc++.so (~40 page faults).
option(IAMFORGE_STATIC_DEPS "Link SQLite, yaml-cpp, expat, jemalloc and the C++ runtime statically" ON)
set(_iamforge_static ${IAMFORGE_STATIC_DEPS})
if(IAMFORGE_SANITIZE)
  set(_iamforge_static OFF)  # the sanitizers bring their own allocator; keep the shared objects
endif()

find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)  # headers only (src/aws/sigv4.cpp opens libcrypto.so.3 with dlopen)
find_package(yaml-cpp REQUIRED)
find_package(EXPAT REQUIRED)

# `name`: an INTERFACE target linking `archive` (found by its file name) and `extra` when static
# linking is on and the archive exists, else `shared`.
function(iamforge_dependency name archive shared)
  add_library(${name} INTERFACE)
  set(_found "")
  if(_iamforge_static)
    find_library(IAMFORGE_ARCHIVE_${name} NAMES ${archive})
    set(_found ${IAMFORGE_ARCHIVE_${name}})
  endif()
  if(_found)
    target_link_libraries(${name} INTERFACE ${_found} ${ARGN})
    message(STATUS "iamforge: ${name} from ${_found}")
  else()
    target_link_libraries(${name} INTERFACE ${shared})
  endif()
endfunction()

iamforge_dependency(iamforge_dep_sqlite libsqlite3.a SQLite::SQLite3 Threads::Threads ${CMAKE_DL_LIBS} m)
target_include_directories(iamforge_dep_sqlite SYSTEM INTERFACE ${SQLite3_INCLUDE_DIRS})
iamforge_dependency(iamforge_dep_yaml libyaml-cpp.a yaml-cpp)
iamforge_dependency(iamforge_dep_expat libexpat.a EXPAT::EXPAT)
target_include_directories(iamforge_dep_expat SYSTEM INTERFACE ${EXPAT_INCLUDE_DIRS})
# The C++ runtime of the executables that ship (the CLI): static when the archives are linked.
set(IAMFORGE_STATIC_RUNTIME ${_iamforge_static})
get_target_property(_yaml_includes yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
if(_yaml_includes)
  target_include_directories(iamforge_dep_yaml SYSTEM INTERFACE ${_yaml_includes})
endif()

# jemalloc (Debian's libjemalloc-dev): batch mode allocates many small JSON values; jemalloc makes it
# ~40% faster than glibc malloc (measured: bench/run.sh). Not with sanitizers, which bring their own.
add_library(iamforge_dep_jemalloc INTERFACE)
if(NOT IAMFORGE_SANITIZE)
  if(_iamforge_static)
    find_library(IAMFORGE_JEMALLOC_ARCHIVE NAMES libjemalloc_pic.a)
  endif()
  if(IAMFORGE_JEMALLOC_ARCHIVE)
    target_link_libraries(iamforge_dep_jemalloc INTERFACE ${IAMFORGE_JEMALLOC_ARCHIVE} Threads::Threads ${CMAKE_DL_LIBS} m)
    message(STATUS "iamforge: jemalloc from ${IAMFORGE_JEMALLOC_ARCHIVE}")
  else()
    find_library(IAMFORGE_JEMALLOC NAMES jemalloc)
    if(IAMFORGE_JEMALLOC)
      target_link_libraries(iamforge_dep_jemalloc INTERFACE ${IAMFORGE_JEMALLOC})
    endif()
  endif()
endif()
# Its options (huge pages), compiled into each executable that lists this file; empty without
# jemalloc. See cmake/jemalloc_conf.cpp.
set(IAMFORGE_JEMALLOC_CONF "")
if(IAMFORGE_JEMALLOC_ARCHIVE OR IAMFORGE_JEMALLOC)
  set(IAMFORGE_JEMALLOC_CONF ${CMAKE_CURRENT_LIST_DIR}/jemalloc_conf.cpp)
endif()
