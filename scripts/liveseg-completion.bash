# Bash tab completion for liveseg, through System.CommandLine's [suggest] directive: liveseg itself lists the
# commands, options and values (effects, devices, models) that fit where the cursor is.
#   source scripts/liveseg-completion.bash        # this shell
#   cp scripts/liveseg-completion.bash /etc/bash_completion.d/liveseg   # every shell (or add the source line to ~/.bashrc)
# The command completed is 'liveseg' (the built program on PATH) and './liveseg' (the checkout's wrapper).
_liveseg_complete() {
  local IFS=$'\n'
  local exe="${COMP_WORDS[0]}"
  # The wrapper would build first; completion asks the built program directly when it is there.
  if [[ "$exe" == */liveseg && -x "$(dirname "$exe")/src/LiveSeg.Cli/bin/Release/net10.0/linux-x64/liveseg" ]]; then
    exe="$(dirname "$exe")/src/LiveSeg.Cli/bin/Release/net10.0/linux-x64/liveseg"
  fi
  local line="liveseg${COMP_LINE#"${COMP_WORDS[0]}"}"
  local point=$((COMP_POINT - ${#COMP_WORDS[0]} + 7))
  COMPREPLY=($(compgen -W "$("$exe" "[suggest:${point}]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _liveseg_complete liveseg ./liveseg
