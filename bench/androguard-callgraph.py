# Dumps androguard's call-graph edges of an APK or DEX (caller, callee, external?, offset), one per line.
# Used by bench/callgraph-vs-androguard.ts: /usr/bin/python3 bench/androguard-callgraph.py IN OUT.tsv
import sys
from androguard.misc import AnalyzeDex, AnalyzeAPK
p = sys.argv[1]
if p.endswith('.apk'):
    a, d, dx = AnalyzeAPK(p)
else:
    h, d, dx = AnalyzeDex(p)
out = open(sys.argv[2], 'w')
def sig(mm):
    return "%s->%s%s" % (mm.get_class_name(), mm.get_name(), mm.get_descriptor().replace(' ', ''))
for m in dx.get_methods():
    if m.is_external(): continue
    s = sig(m.method)
    for (cls, callee, off) in m.get_xref_to():
        out.write("%s\t%s\t%d\t%d\n" % (s, sig(callee.method), 1 if callee.is_external() else 0, off))
