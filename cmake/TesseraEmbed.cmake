# tessera_embed_files(<target> OUTPUT <file.cpp> HEADER <header> NAMESPACE <ns> FUNCTION <name>
#                     BASE_DIR <dir> FILES <files...>)
# Compiles files into <target> as byte arrays, with a lookup
#   std::string_view <ns>::<name>(std::string_view relative_path)
# that returns the file's bytes (empty when there is no such file). The files are read at build
# time, so editing one rebuilds only the generated source: the program needs no files at run time.
set(_tessera_embed_script ${CMAKE_CURRENT_LIST_DIR}/TesseraEmbedScript.cmake)

function(tessera_embed_files target)
  cmake_parse_arguments(ARG "" "OUTPUT;HEADER;NAMESPACE;FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(relative)
  foreach(file ${ARG_FILES})
    file(RELATIVE_PATH rel ${ARG_BASE_DIR} ${file})
    list(APPEND relative ${rel})
  endforeach()
  # A list in -D needs its semicolons kept from the shell and from add_custom_command.
  string(REPLACE ";" "|" relative_arg "${relative}")
  add_custom_command(
    OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ARG_OUTPUT} -DHEADER=${ARG_HEADER}
            -DNAMESPACE=${ARG_NAMESPACE} -DFUNCTION=${ARG_FUNCTION} -DBASE_DIR=${ARG_BASE_DIR}
            "-DFILES=${relative_arg}" -P ${_tessera_embed_script}
    DEPENDS ${ARG_FILES} ${_tessera_embed_script}
    COMMENT "Embedding ${target} assets"
    VERBATIM)
  target_sources(${target} PRIVATE ${ARG_OUTPUT})
endfunction()
