# Helpers shared by run.sh and selftest.sh (sourced).

# deps_reused LOG REGEX -> prints "yes N" / "no: <step>" / "none"
# A step is cached when the line after its "STEP n/m: <instruction>" line is "--> Using cache".
# When the Dockerfile has a stage named deps, only its steps count (the build stage may re-run
# the same tool on purpose, e.g. `cargo build`).
deps_reused() {
  awk -v re="$2" '
    function stage_of(line,   m) {
      if (match(tolower(line), /step [0-9]+\/[0-9]+: from [^ ]+ as [^ ]+/)) {
        n = split(substr(line, RSTART, RLENGTH), parts, " "); return tolower(parts[n])
      }
      if (tolower(line) ~ /step [0-9]+\/[0-9]+: from /) return "(unnamed)"
      return ""
    }
    /STEP [0-9]+\/[0-9]+: / {
      s = stage_of($0); if (s != "") { stage = s; if (s == "deps") has_deps = 1 }
      if (pending != "") { results[++n_res] = pending_stage "\t" pending "\tno" }
      pending = ""
      instr = $0; sub(/.*STEP [0-9]+\/[0-9]+: /, "", instr)
      if (instr ~ "^(RUN|run) " && instr ~ re) { pending = instr; pending_stage = stage }
      next
    }
    pending != "" {
      if ($0 ~ /^--> Using cache/) results[++n_res] = pending_stage "\t" pending "\tyes"
      else results[++n_res] = pending_stage "\t" pending "\tno"
      pending = ""
    }
    END {
      if (pending != "") results[++n_res] = pending_stage "\t" pending "\tno"
      count = 0; bad = ""
      for (i = 1; i <= n_res; i++) {
        split(results[i], f, "\t")
        if (has_deps && f[1] != "deps") continue
        count++
        if (f[3] != "yes" && bad == "") bad = f[2]
      }
      if (count == 0) print "none"
      else if (bad != "") print "no: " bad
      else print "yes " count
    }' "$1"
}

