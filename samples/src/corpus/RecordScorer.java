// A Java program whose profile is known by construction, for Pyrometer's real-recording corpus
// (Tests/Fixtures/real/java17-perfmap, scripts/make-real-corpus.sh). Run with -XX:+PreserveFramePointer
// -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit and -XX:CompileCommand=dontinline,RecordScorer::*
// (so each method keeps its own compiled code and perf-PID.map entry).
//
// After a warm-up (so that the methods are JIT-compiled), each round spends about
//   50%  in parseRecords
//   42%  in scoreRecords
//    3%  in fillInput
//    3%  in shuffleKeys
//    3%  in summarize
// The JVM itself (start-up, interpreter, JIT compiler threads: about 0.25-0.3 s of CPU) is the rest of a recording:
// with 1.0 s of measured work that is ~20%, so the two hot methods end up near 40% and 34% of all samples.
// Each part's thread CPU time (ThreadMXBean.getCurrentThreadCpuTime()) is printed to stderr as `phase NAME SECONDS`.
// Usage: java RecordScorer [CPU_SECONDS]   (default 1.0: rounds run until the measured parts used that much CPU)
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

public class RecordScorer {
    static final int N = 4096;
    // Calls per round (~100 ms, long enough not to alias with periodic sampling), chosen for the shares above.
    static final int PARSE_CALLS = 592, SCORE_CALLS = 2561, FILL_CALLS = 19, SHUFFLE_CALLS = 80, SUMMARIZE_CALLS = 161;

    static long parseRecords(byte[] text, int[] out) {      // decimal numbers separated by commas
        int n = 0, v = 0;
        long check = 0;
        for (int i = 0; i < text.length; i++) {
            byte b = text[i];
            if (b == ',') { out[n++ & (N - 1)] = v; check += v; v = 0; }
            else v = v * 10 + (b - '0');
        }
        return check;
    }

    static long scoreRecords(int[] values) {
        long s = 0;
        for (int i = 0; i < values.length; i++) s = (s ^ values[i]) * 0x9E3779B97F4A7C15L;   // a dependent multiply
        return s;
    }

    static void fillInput(byte[] text, long seed) {
        long x = seed | 1;
        int i = 0;
        while (i + 6 < text.length) {
            x ^= x << 13; x ^= x >>> 7; x ^= x << 17;
            int v = (int) ((x >>> 40) % 100000);
            for (int d = 0; d < 5; d++) { text[i + 4 - d] = (byte) ('0' + v % 10); v /= 10; }
            text[i + 5] = ',';
            i += 6;
        }
        while (i < text.length) text[i++] = ',';
    }

    static int shuffleKeys(int[] keys, int seed) {
        int x = seed | 1;
        for (int i = keys.length - 1; i > 0; i--) {
            x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
            int j = Integer.remainderUnsigned(x, i + 1);
            int t = keys[i]; keys[i] = keys[j]; keys[j] = t;
        }
        return keys[0];
    }

    static long summarize(int[] values) {
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE, sum = 0;
        for (int v : values) { min = Math.min(min, v); max = Math.max(max, v); sum += Long.bitCount(v * 31L + sum); }
        return min + max + sum;
    }

    static final String[] NAMES = {"parseRecords", "scoreRecords", "fillInput", "shuffleKeys", "summarize"};
    static final long[] PHASE = new long[5];
    static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    static final byte[] TEXT = new byte[N * 6];
    static final int[] VALUES = new int[N];
    static final int[] KEYS = new int[N];

    // One round, timed part by part; a method of its own so that main() stays a small loop (C2 compiles less).
    static long round(int r) {
        long check = 0;
        long t0 = MX.getCurrentThreadCpuTime();
        for (int k = 0; k < FILL_CALLS; k++) fillInput(TEXT, r * 31 + k);
        long t1 = MX.getCurrentThreadCpuTime();
        for (int k = 0; k < PARSE_CALLS; k++) check += parseRecords(TEXT, VALUES);
        long t2 = MX.getCurrentThreadCpuTime();
        for (int k = 0; k < SCORE_CALLS; k++) check += scoreRecords(VALUES);
        long t3 = MX.getCurrentThreadCpuTime();
        for (int k = 0; k < SHUFFLE_CALLS; k++) check += shuffleKeys(KEYS, r + k);
        long t4 = MX.getCurrentThreadCpuTime();
        for (int k = 0; k < SUMMARIZE_CALLS; k++) check += summarize(VALUES);
        long t5 = MX.getCurrentThreadCpuTime();
        PHASE[2] += t1 - t0; PHASE[0] += t2 - t1; PHASE[1] += t3 - t2; PHASE[3] += t4 - t3; PHASE[4] += t5 - t4;
        return check;
    }

    public static void main(String[] args) {
        double budget = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        for (int i = 0; i < N; i++) KEYS[i] = i;
        long check = 0;
        // Warm-up: enough calls for C2 to compile every method; not measured.
        for (int w = 0; w < 300; w++) {
            fillInput(TEXT, w); check += parseRecords(TEXT, VALUES); check += scoreRecords(VALUES);
            check += shuffleKeys(KEYS, w); check += summarize(VALUES);
        }
        for (int r = 0; PHASE[0] + PHASE[1] + PHASE[2] + PHASE[3] + PHASE[4] < budget * 1e9; r++) check += round(r);
        for (int p = 0; p < 5; p++) System.err.printf("phase %s %.6f%n", NAMES[p], PHASE[p] * 1e-9);
        System.err.printf("total process %.6f%n",
            ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() * 1e-9);
        System.out.println(check);
    }
}
