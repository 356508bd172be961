package dev.proctor.sandbox.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rewrites libseccomp's syscall-number dispatch into a binary search over <em>ranges</em> of
 * numbers, with the exact same decisions. libseccomp's binary tree still ends in one {@code jeq} per
 * syscall (the default profile: 426 of its 635 instructions), although neighbouring numbers mostly
 * share their answer; here each maximal run of numbers that reaches the same instruction costs
 * one {@code jge}. The kernel converts, JIT-compiles and (for its allow cache) runs the filter over
 * every syscall number at each run's install, all in proportion to its length.
 *
 * <p>A dispatch is the code right after a {@code ld [nr]}: compare-and-jump instructions on the
 * accumulator ({@code jeq/jgt/jge #k}, {@code ja}) down to the first other instruction, its
 * target. Which target a number reaches changes only where a constant of the dispatch lies, so
 * its targets are computed exactly at those points; the accumulator, X and the scratch memory
 * are untouched on the way, so jumping straight to a target is the same program. Everything
 * else (arch checks, argument checks, returns) is copied as it is; jumps are re-linked, with a
 * {@code ja} added where a conditional jump's 8-bit offset no longer reaches. Anything outside
 * these assumptions (a jump into the middle of a dispatch, another opcode in it) leaves the
 * program as libseccomp wrote it.
 */
final class RangeTree {

    /** One output instruction; jump targets are other instructions, linked once the order is final. */
    private static final class Insn {
        final int code;
        final long k;
        Insn jt;
        Insn jf;
        Insn ja;

        Insn(int code, long k) {
            this.code = code;
            this.k = k;
        }
    }

    private RangeTree() {}

    /** The rewritten program, or {@code program} itself when it is not shorter or not understood. */
    static byte[] rewrite(byte[] program) {
        ByteBuffer in = ByteBuffer.wrap(program).order(ByteOrder.nativeOrder());
        int n = program.length / SeccompCompiler.SOCK_FILTER_SIZE;
        int[] code = new int[n];
        int[] jt = new int[n];
        int[] jf = new int[n];
        long[] k = new long[n];
        for (int i = 0; i < n; i++) {
            code[i] = in.getShort(i * 8) & 0xffff;
            jt[i] = in.get(i * 8 + 2) & 0xff;
            jf[i] = in.get(i * 8 + 3) & 0xff;
            k[i] = in.getInt(i * 8 + 4) & 0xffffffffL;
        }
        int[] owner = new int[n]; // the dispatch entry an instruction belongs to, or -1
        java.util.Arrays.fill(owner, -1);
        List<Integer> entries = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            if (code[i - 1] == Bpf.LD_ABS_W && k[i - 1] == 0 && isDispatchJump(code[i]) && owner[i] < 0) {
                if (!claim(i, code, jt, jf, k, owner)) {
                    return program;
                }
                entries.add(i);
            }
        }
        if (entries.isEmpty() || !onlyEntriesEntered(entries, code, jt, jf, k, owner)) {
            return program;
        }
        Insn[] copies = new Insn[n];
        for (int i = 0; i < n; i++) {
            if (owner[i] < 0) {
                copies[i] = new Insn(code[i], k[i]);
            }
        }
        List<Insn> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (owner[i] == i) {
                Insn root = tree(ranges(i, code, jt, jf, k, owner, copies), out);
                if (root == null) {
                    return program; // a dispatch with one target: kept as it is (never met in practice)
                }
                copies[i] = root; // what jumps and falls into the dispatch now reach
            } else if (owner[i] < 0) {
                out.add(copies[i]);
            }
        }
        for (int i = 0; i < n; i++) {
            if (owner[i] < 0) {
                link(copies[i], i, code, jt, jf, k, copies);
            }
        }
        byte[] result = encode(out);
        return result.length < program.length ? result : program;
    }

    private static boolean isDispatchJump(int code) {
        return code == Bpf.JEQ_K || code == Bpf.JGT_K || code == Bpf.JGE_K || code == Bpf.JA;
    }

    private static boolean isJump(int code) {
        return (code & 0x07) == 0x05;
    }

    /** Marks the dispatch starting at {@code entry}; false if it overlaps another one. */
    private static boolean claim(int entry, int[] code, int[] jt, int[] jf, long[] k, int[] owner) {
        List<Integer> todo = new ArrayList<>(List.of(entry));
        while (!todo.isEmpty()) {
            int pc = todo.remove(todo.size() - 1);
            if (pc >= code.length || !isDispatchJump(code[pc])) {
                continue; // a target
            }
            if (owner[pc] == entry) {
                continue;
            }
            if (owner[pc] >= 0) {
                return false;
            }
            owner[pc] = entry;
            if (code[pc] == Bpf.JA) {
                todo.add(pc + 1 + (int) k[pc]);
            } else {
                todo.add(pc + 1 + jt[pc]);
                todo.add(pc + 1 + jf[pc]);
            }
        }
        return true;
    }

    /** True if no instruction outside a dispatch jumps or falls into one anywhere but its entry. */
    private static boolean onlyEntriesEntered(
            List<Integer> entries, int[] code, int[] jt, int[] jf, long[] k, int[] owner) {
        for (int pc = 0; pc < code.length; pc++) {
            if (owner[pc] >= 0) {
                continue;
            }
            List<Integer> next = new ArrayList<>();
            if (code[pc] == Bpf.JA) {
                next.add(pc + 1 + (int) k[pc]);
            } else if (isJump(code[pc])) {
                next.add(pc + 1 + jt[pc]);
                next.add(pc + 1 + jf[pc]);
            } else if ((code[pc] & 0x07) != 0x06) { // not a return: falls through
                next.add(pc + 1);
            }
            for (int t : next) {
                if (t < code.length && owner[t] >= 0 && owner[t] != t) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The dispatch's ranges: start numbers (ascending, the first 0) and the copied target each reaches. */
    private static List<Object[]> ranges(
            int entry, int[] code, int[] jt, int[] jf, long[] k, int[] owner, Insn[] copies) {
        TreeSet<Long> points = new TreeSet<>(List.of(0L));
        for (int pc = entry; pc < code.length; pc++) {
            if (owner[pc] == entry && code[pc] != Bpf.JA) {
                points.add(k[pc]);
                if (k[pc] < 0xffffffffL) {
                    points.add(k[pc] + 1);
                }
            }
        }
        List<Object[]> ranges = new ArrayList<>();
        Insn last = null;
        for (long nr : points) {
            Insn target = copies[targetOf(entry, nr, code, jt, jf, k)];
            if (target != last) {
                ranges.add(new Object[] {nr, target});
                last = target;
            }
        }
        return ranges;
    }

    private static int targetOf(int entry, long nr, int[] code, int[] jt, int[] jf, long[] k) {
        int pc = entry;
        while (pc < code.length && isDispatchJump(code[pc])) {
            boolean taken = switch (code[pc]) {
                case Bpf.JEQ_K -> nr == k[pc];
                case Bpf.JGT_K -> nr > k[pc];
                case Bpf.JGE_K -> nr >= k[pc];
                default -> true; // ja
            };
            pc += 1 + (code[pc] == Bpf.JA ? (int) k[pc] : taken ? jt[pc] : jf[pc]);
        }
        return pc;
    }

    /**
     * Appends a balanced tree of {@code jge} over the ranges to {@code out}; returns its root, or
     * null when there is one range only.
     */
    private static Insn tree(List<Object[]> ranges, List<Insn> out) {
        if (ranges.size() < 2) {
            return null;
        }
        return node(ranges, 0, ranges.size() - 1, out);
    }

    /** The instruction ranges lo..hi start at: a tree node, or the target itself for one range. */
    private static Insn node(List<Object[]> ranges, int lo, int hi, List<Insn> out) {
        if (lo == hi) {
            return (Insn) ranges.get(lo)[1];
        }
        int mid = (lo + hi + 1) / 2;
        Insn jge = new Insn(Bpf.JGE_K, (Long) ranges.get(mid)[0]);
        out.add(jge);
        jge.jf = node(ranges, lo, mid - 1, out);
        jge.jt = node(ranges, mid, hi, out);
        return jge;
    }

    private static void link(Insn insn, int pc, int[] code, int[] jt, int[] jf, long[] k, Insn[] copies) {
        if (code[pc] == Bpf.JA) {
            insn.ja = copies[pc + 1 + (int) k[pc]];
        } else if (isJump(code[pc])) {
            insn.jt = copies[pc + 1 + jt[pc]];
            insn.jf = copies[pc + 1 + jf[pc]];
        }
    }

    /** Lays the instructions out, adding a {@code ja} after each conditional jump that cannot reach. */
    private static byte[] encode(List<Insn> out) {
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<Insn, Integer> at = positions(out);
            for (int i = 0; i < out.size(); i++) {
                Insn insn = out.get(i);
                if (insn.jt == null || insn.code == Bpf.JA) {
                    continue;
                }
                int pc = at.get(insn);
                if (at.get(insn.jt) - pc - 1 > Bpf.MAX_JUMP) {
                    Insn hop = new Insn(Bpf.JA, 0);
                    hop.ja = insn.jt;
                    insn.jt = hop;
                    out.add(i + 1, hop);
                    changed = true;
                    break;
                }
                if (at.get(insn.jf) - pc - 1 > Bpf.MAX_JUMP) {
                    Insn hop = new Insn(Bpf.JA, 0);
                    hop.ja = insn.jf;
                    insn.jf = hop;
                    out.add(i + 1, hop);
                    changed = true;
                    break;
                }
            }
        }
        Map<Insn, Integer> at = positions(out);
        ByteBuffer bytes = ByteBuffer.allocate(out.size() * SeccompCompiler.SOCK_FILTER_SIZE)
                .order(ByteOrder.nativeOrder());
        for (int i = 0; i < out.size(); i++) {
            Insn insn = out.get(i);
            int b = i * 8;
            bytes.putShort(b, (short) insn.code);
            if (insn.ja != null) {
                bytes.putInt(b + 4, at.get(insn.ja) - i - 1);
            } else {
                if (insn.jt != null) {
                    bytes.put(b + 2, (byte) (at.get(insn.jt) - i - 1));
                    bytes.put(b + 3, (byte) (at.get(insn.jf) - i - 1));
                }
                bytes.putInt(b + 4, (int) insn.k);
            }
        }
        return bytes.array();
    }

    private static Map<Insn, Integer> positions(List<Insn> out) {
        Map<Insn, Integer> at = new IdentityHashMap<>();
        for (int i = 0; i < out.size(); i++) {
            at.put(out.get(i), i);
        }
        return at;
    }
}
