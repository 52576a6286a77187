#!/usr/bin/env bash
# Turns the results of nova-lite's KUnit suites that the guest saved (out/DIR/<suite>.ktap: the
# KTAP document of /sys/kernel/debug/kunit/<suite>/results, ci/guest/check.sh) into result lines,
# one per case, prefixed with "BOOT: " if BOOT is given: "ok kunit: SUITE: CASE"; a failed case is
# "not ok kunit: SUITE: CASE: " and KUnit's lines about it (the failed assertion, its file and
# line, the condition), a skipped one too (no case may skip, but one that its own #[cfg] compiles
# out, which gets no line). The cases are those of the sources: each #[test] function of a
# #[kunit_tests(SUITE)] module under nova-lite/; then, for the kernel crate's suites that ran
# (rust_*), those of the patched kernel tree's rust/kernel. A case without a result is "not ok"
# (its suite did not run, or stopped early), as is a result of a case the sources do not have, and
# a suite that failed without a failed case (its set-up). Last, the kernel crate's examples
# (doctests, the suite rust_doctests_kernel): one line per file the kernel patches add examples
# to, and one for the others (see doctests()).
#   ci/kunit-results.sh DIR [BOOT]
#   ci/kunit-results.sh --selftest   the parser on tests/kunit/ (its fixture and expected lines):
#                                    one result line for ci/check.sh
. "$(dirname "$0")/lib.sh"

# source_cases DIR: "SUITE CASE" for each case of the sources under DIR, "SUITE CASE cfg" for one
# with a #[cfg(...)] of its own (the test macro reports it as a skip when the condition is false).
source_cases() {
	find "$1" -name '*.rs' -print0 | sort -z | xargs -0 awk '
		FNR == 1 { suite = ""; want = 0 }
		match($0, /#\[(::)?(kernel::)?(macros::)?kunit_tests\([a-z0-9_]+\)\]/) {
			suite = substr($0, RSTART, RLENGTH - 2); sub(/^.*\(/, "", suite); next }
		suite != "" && /^[[:space:]]*#\[test\][[:space:]]*$/ { want = 1; cfg = ""; next }
		want && /^[[:space:]]*#\[cfg/ { cfg = " cfg"; next }
		want && match($0, /fn [A-Za-z0-9_]+/) {
			print suite, substr($0, RSTART + 3, RLENGTH - 3) cfg; want = 0 }'
}

# ktap_cases FILE...: one line per case of the KTAP documents (debugfs's results files), tab
# separated: SUITE, CASE, ok|not ok|skip, then what KUnit said about the case (its diagnostic
# lines, joined with " / "; for a skip, the reason); a suite that failed by itself gives a line
# with the case "-"; a suite whose plan is not met, one with the case "+" and the counts.
ktap_cases() {
	awk '
		function flush_suite() {
			if (suite == "") return
			if (plan != "" && n != plan) print suite "\t+\tnot ok\t" n " of " plan " cases have a result"
			if (suite_failed && !case_failed)
				print suite "\t-\tnot ok\t" (sdiag != "" ? sdiag : diag != "" ? diag : "the suite failed")
			suite = ""; plan = ""; n = 0; case_failed = 0; suite_failed = 0; diag = ""; sdiag = ""
		}
		FNR == 1 { flush_suite() }
		/^    # Subtest: / { suite = $3; next }
		/^    1\.\.[0-9]+$/ { plan = substr($1, 4); next }
		/^    (not )?ok [0-9]+ / {
			line = substr($0, 5)
			status = "ok"
			if (line ~ /^not ok /) { status = "not ok"; line = substr(line, 8) } else line = substr(line, 4)
			sub(/^[0-9]+ /, "", line)
			name = line; reason = ""
			if ((i = index(line, " # SKIP")) > 0) {
				name = substr(line, 1, i - 1); reason = substr(line, i + 7); sub(/^ /, "", reason)
				status = "skip"
			}
			if (status != "ok") case_failed = 1
			print suite "\t" name "\t" status "\t" (status == "skip" ? reason : diag)
			n++; diag = ""; next
		}
		# Attributes of a case ("    # case.speed: normal", before its result) or of the suite
		# ("    # module: nova_lite", after the cases): not diagnostics.
		/^    # ([A-Za-z0-9_]+\.)?(speed|module|is_init): / { next }
		/^    / {
			# A diagnostic of the case that comes next ("    # case: ASSERTION FAILED at ...",
			# then "    Expected ... to be true, but is false").
			d = $0; sub(/^ +/, "", d); sub(/^# [A-Za-z0-9_]+: +/, "", d)
			if (d != "" && d !~ /^KTAP version/) diag = (diag == "" ? d : diag " / " d)
			next
		}
		/^# / {
			d = substr($0, 3)
			if (d !~ /^(Totals|[A-Za-z0-9_]+): pass:/) sdiag = (sdiag == "" ? d : sdiag " / " d)
			next
		}
		/^not ok [0-9]+ / { suite_failed = 1; next }
		END { flush_suite() }' "$@"
}

# report DIR CASES BOOT [PATTERN]: the result lines of the documents DIR/PATTERN.ktap (default
# nova_lite_*) against the cases in CASES.
report() {
	local dir=$1 cases=$2 pfx=${3:+$3: } suite name status why
	shopt -s nullglob
	local docs=() f
	# rust_doctests_kernel has cases of its own (doctests, below).
	for f in "$dir"/${4:-nova_lite_*}.ktap; do
		[ "${f##*/}" = rust_doctests_kernel.ktap ] || docs+=("$f")
	done
	[ ${#docs[@]} -gt 0 ] || echo "not ok ${pfx}kunit: results written: no ${dir#"$REPO"/}/*.ktap"
	declare -A want=() seen=() gated=()
	local flag
	while read -r suite name flag; do
		want["$suite $name"]=1
		[ "$flag" != cfg ] || gated["$suite $name"]=1
	done <"$cases"
	while IFS=$'\t' read -r suite name status why; do
		case $name in
		-) echo "not ok ${pfx}kunit: $suite: $why"; continue ;;
		+) echo "not ok ${pfx}kunit: $suite: $why"; continue ;;
		esac
		seen["$suite $name"]=1
		if [ -z "${want["$suite $name"]:-}" ]; then
			echo "not ok ${pfx}kunit: $suite: $name: a result of a case the sources do not have"
			continue
		fi
		case $status in
		ok) echo "ok ${pfx}kunit: $suite: $name" ;;
		skip)
			# A case compiled out by its own #[cfg] is not a test of this build: no line.
			if [ -z "${gated["$suite $name"]:-}" ]; then
				echo "not ok ${pfx}kunit: $suite: $name: skipped: ${why:-no reason given}"
			fi
			;;
		*) echo "not ok ${pfx}kunit: $suite: $name: ${why:-failed}" ;;
		esac
	done < <([ ${#docs[@]} = 0 ] || ktap_cases "${docs[@]}")
	while read -r suite name flag; do
		[ -n "${seen["$suite $name"]:-}" ] || echo "not ok ${pfx}kunit: $suite: $name: no result"
	done <"$cases"
}

if [ "${1:-}" = --selftest ]; then
	# The fixture holds a passing case, a failed assertion, a case whose function returned an
	# error, a skip, a case the sources do not have, a case of the sources that did not run, a
	# suite that stopped early, and a suite whose set-up failed; each must come out as
	# tests/kunit/expected.txt says.
	name="build: ci/kunit-results.sh turns KTAP into result lines, failed cases not ok (its self-check)"
	if out=$(diff -u "$REPO/tests/kunit/expected.txt" \
		<(report "$REPO/tests/kunit" "$REPO/tests/kunit/cases.txt" "") 2>&1); then
		echo "ok $name"
	else
		echo "not ok $name: $(echo "$out" | grep '^[-+][^-+]' | head -n 3 | tr '\n' ' ')"
	fi
	exit 0
fi

# compiled_examples FILE: the examples of a Rust file that the kernel's doctests compile and run:
# its doc comments' code blocks, less those marked ignore or compile_fail (no_run ones run too).
compiled_examples() {
	awk '/^[[:space:]]*\/\/[\/!][[:space:]]*```/ {
			if (open) { open = 0; next }
			open = 1
			if ($0 ~ /```[[:space:]]*(rust)?(,?[[:space:]]*no_run)?[[:space:]]*$/) n++
		}
		END { print n + 0 }' "$1"
}

# doctests GENERATED KTAP: the kernel crate's examples (CONFIG_RUST_KERNEL_DOCTESTS), which the
# build compiles into one KUnit suite, rust_doctests_kernel (GENERATED, the build's
# rust/doctests_kernel_generated.rs, has one case per example, named after its file), and the
# guest ran (KTAP, its results): for each file of rust/kernel to which the kernel patches add
# examples, one line, ok if the build compiled as many examples of the file as the patched file
# has and each passed; then one line for the kernel's other examples, ok if each passed. A case
# without a result is not ok, as is a suite that stopped early or failed by itself.
doctests() {
	local gen=$1 ktap=$2 f key n want bad ours=$TMP_DIR/ours results=$TMP_DIR/doctests
	[ -f "$gen" ] || { echo "not ok build: examples: the kernel crate's are compiled: no $gen"; return; }
	if [ ! -f "$ktap" ]; then
		echo "not ok kunit: rust_doctests_kernel: results written: no ${ktap#"$REPO"/}"
		return
	fi
	ktap_cases "$ktap" >"$TMP_DIR/ktap-cases"
	# NAME STATUS DIAGNOSTICS for each case of the build, "no result" if it has none; the suite's
	# own failures first, named "-" and "+".
	{ grep -oE '\brust_doctest_kernel_[A-Za-z0-9_]+_[0-9]+\b' "$gen" || true; } | sort -u >"$TMP_DIR/built"
	awk -F '\t' -v OFS='\t' -v k="$TMP_DIR/ktap-cases" '
		FILENAME == k { if ($2 == "-" || $2 == "+") print $2, "not ok", $4; else r[$2] = $3 "\t" $4; next }
		{ print $1, ($1 in r ? r[$1] : "not ok\tno result") }' "$TMP_DIR/ktap-cases" "$TMP_DIR/built" >"$results"
	# failures PATTERN: "CASE: STATUS (WHY); ..." of the results whose name matches PATTERN.
	failures() { awk -F '\t' -v re="$1" '$1 ~ re && $2 != "ok" { printf "%s%s: %s (%s)", (k++ ? "; " : ""), $1, $2, $3 }' "$results"; }
	: >"$ours"
	for f in $(sed -n 's|^+++ b/\(rust/kernel/.*\.rs\)$|\1|p' "$REPO"/kernel-patches/*.patch | sort -u); do
		grep -qE '^\+[[:space:]]*//[/!][[:space:]]*```' <(awk -v f="+++ b/$f" \
			'/^\+\+\+ / { on = ($0 == f) } on' "$REPO"/kernel-patches/*.patch) || continue
		key=$(echo "${f#rust/kernel/}" | tr '/.-' '___')
		awk -F '\t' -v re="^rust_doctest_kernel_${key}_[0-9]+\$" '$1 ~ re' "$results" >>"$ours"
		n=$(awk -F '\t' -v re="^rust_doctest_kernel_${key}_[0-9]+\$" '$1 ~ re { n++ } END { print n + 0 }' "$results")
		want=$(compiled_examples "$KERNEL_SRC/$f")
		bad=$(failures "^rust_doctest_kernel_${key}_[0-9]+\$")
		if [ "$n" != "$want" ] || [ "$n" = 0 ]; then
			echo "not ok kunit: rust_doctests_kernel: $f: $n of its $want examples are compiled into the kernel"
		elif [ -n "$bad" ]; then
			echo "not ok kunit: rust_doctests_kernel: $f: its $n examples ran: $bad"
		else
			echo "ok kunit: rust_doctests_kernel: $f: its $n examples ran and passed"
		fi
	done
	{ grep -vxFf "$ours" "$results" || true; } >"$TMP_DIR/others"
	n=$(awk -F '\t' '$1 != "-" && $1 != "+" { n++ } END { print n + 0 }' "$TMP_DIR/others")
	bad=$(awk -F '\t' '$2 != "ok" { printf "%s%s: %s (%s)", (k++ ? "; " : ""), $1, $2, $3 }' "$TMP_DIR/others")
	if [ -n "$bad" ] || [ "$n" = 0 ]; then
		echo "not ok kunit: rust_doctests_kernel: the kernel's other examples ran: ${bad:-none ran}"
	else
		echo "ok kunit: rust_doctests_kernel: the kernel's other $n examples ran and passed"
	fi
}

dir=$OUT/${1:?usage: ci/kunit-results.sh DIR [BOOT] | --selftest}
TMP_DIR=$(mktemp -d)
trap 'rm -rf "$TMP_DIR"' EXIT
cases=$TMP_DIR/cases
source_cases "$REPO/nova-lite" >"$cases"
if [ ! -s "$cases" ]; then
	echo "not ok ${2:+$2: }kunit: the sources have KUnit cases: none found under nova-lite/"
	exit 0
fi
report "$dir" "$cases" "${2:-}"
# The kernel crate's KUnit suites that ran (rust_*, the kernel patches' cases among them): their
# cases are those of the patched kernel tree's rust/kernel.
source_cases "$KERNEL_SRC/rust/kernel" | while read -r suite name flag; do
	[ ! -f "$dir/$suite.ktap" ] || [ "$suite" = rust_doctests_kernel ] || echo "$suite $name $flag"
done >"$cases"
if [ -s "$cases" ]; then
	report "$dir" "$cases" "${2:-}" "rust_*"
else
	echo "not ok ${2:+$2: }kunit: the kernel crate's suites (rust_*) ran: no results"
fi
[ -n "${2:-}" ] || doctests "${NOVA_LITE_BUILD:?the kernel build directory}/rust/doctests_kernel_generated.rs" \
	"$dir/rust_doctests_kernel.ktap"
