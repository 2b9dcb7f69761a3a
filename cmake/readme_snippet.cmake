# Extracts a code block of README.md, so that tests compile and run what the README shows rather than a copy of it
# that can drift. In the README, the block follows a marker line:
#
#   <!-- snippet: NAME -->
#   ```cpp
#   ...lines written to OUT...
#   ```
#
# As a function: include(cmake/readme_snippet.cmake), then ad_readme_snippet(README NAME OUT).
# As a script:   cmake -DREADME=README.md -DNAME=NAME -DOUT=file -P cmake/readme_snippet.cmake
function(ad_readme_snippet readme name out)
  file(READ "${readme}" text)
  string(FIND "${text}" "<!-- snippet: ${name} -->" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${readme}: no '<!-- snippet: ${name} -->' marker")
  endif()
  string(SUBSTRING "${text}" ${at} -1 text)
  string(FIND "${text}" "```" open)
  if(open EQUAL -1)
    message(FATAL_ERROR "${readme}: snippet '${name}' has no code block after its marker")
  endif()
  string(SUBSTRING "${text}" ${open} -1 text)
  string(FIND "${text}" "\n" line_end)  # skip the opening fence and its language tag
  math(EXPR body_start "${line_end} + 1")
  string(SUBSTRING "${text}" ${body_start} -1 text)
  string(FIND "${text}" "```" close)
  if(close EQUAL -1)
    message(FATAL_ERROR "${readme}: the code block of snippet '${name}' is not closed")
  endif()
  string(SUBSTRING "${text}" 0 ${close} body)
  file(WRITE "${out}.tmp" "${body}")
  # Rewrite only on change, so that rebuilding after an unrelated README edit recompiles nothing.
  configure_file("${out}.tmp" "${out}" COPYONLY)
  file(REMOVE "${out}.tmp")
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND DEFINED NAME)
  ad_readme_snippet("${README}" "${NAME}" "${OUT}")
endif()
