# cmake -DSOURCE_DIR=<repo> -P layering.cmake: fails when a file that must not depend on a
# model's weights includes the worker's side of ml (ml/serve/, LevelDB, hnswlib):
# ml/ and ml/verify/ (ghost_ml, ghost_ml_verify), and the ledger's proof and model checks.
file(GLOB files ${SOURCE_DIR}/ml/*.h ${SOURCE_DIR}/ml/*.cpp ${SOURCE_DIR}/ml/verify/*.h ${SOURCE_DIR}/ml/verify/*.cpp
     ${SOURCE_DIR}/consensus/ledger/proofs.* ${SOURCE_DIR}/consensus/ledger/models.*)
list(LENGTH files count)
if(count LESS 10)
  message(FATAL_ERROR "found only ${count} files under ${SOURCE_DIR}: wrong SOURCE_DIR?")
endif()
set(bad_files)
foreach(f ${files})
  file(STRINGS ${f} bad REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](ml/serve/|leveldb/|hnswlib/)")
  if(bad)
    list(APPEND bad_files "${f}: ${bad}")
  endif()
endforeach()
if(bad_files)
  list(JOIN bad_files "\n  " text)
  message(FATAL_ERROR "verification must not include the weight store or index:\n  ${text}")
endif()
message(STATUS "${count} files checked: none includes ml/serve/, LevelDB or hnswlib")
