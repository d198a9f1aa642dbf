# Prints each failed test of a .trx file with the first lines of its message and stack, so that a CI log
# that shows only its tail still names what failed. Usage: awk -f trx-failures.awk results.trx
function unescape(s) {
  gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "'", s)
  gsub(/&#xD;/, "", s); gsub(/&#xA;/, " ", s); gsub(/&amp;/, "\\&", s)
  return s
}
/<UnitTestResult / {
  failed = ($0 ~ /outcome="(Failed|Error|Timeout|Aborted)"/)
  if (failed) {
    name = $0
    sub(/.*testName="/, "", name); sub(/".*/, "", name)
    print "FAILED " unescape(name)
    shown = 0
  }
}
failed && /<(Message|StackTrace)>/ { inside = 1 }
failed && inside && shown < 12 {
  line = $0
  gsub(/<\/?(Message|StackTrace)>/, "", line)
  if (line ~ /[^[:space:]]/) { print "    " unescape(line); shown++ }
}
/<\/(Message|StackTrace)>/ { inside = 0 }
/<\/UnitTestResult>/ { failed = 0; inside = 0 }
