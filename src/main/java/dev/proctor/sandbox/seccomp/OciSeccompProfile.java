package dev.proctor.sandbox.seccomp;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A seccomp profile in the OCI runtime-spec / Docker JSON format, as parsed by
 * {@link OciSeccompParser}. Semantics follow runc, so a profile behaves the same here as
 * under Docker or Kubernetes:
 * <ul>
 *   <li>an empty {@code architectures} list means the native architecture only;</li>
 *   <li>ERRNO and TRACE without {@code errnoRet} return EPERM;</li>
 *   <li>the {@code args} of one rule are ANDed, unless two of them name the same argument
 *       index: then each comparison becomes a rule of its own (ORed), because libseccomp
 *       allows one comparison per argument in a rule;</li>
 *   <li>a rule whose action equals the default action is skipped.</li>
 * </ul>
 *
 * @param source          where the profile came from (a file name), for error messages
 * @param description     Proctor extension: what the profile is for
 * @param defaultAction   the action for every syscall no rule matches
 * @param defaultErrnoRet the errno of a default ERRNO/TRACE action
 * @param architectures   {@code SCMP_ARCH_*} names whose syscalls the filter accepts
 * @param syscalls        the rules, in file order
 */
public record OciSeccompProfile(
        String source,
        Optional<String> description,
        SeccompAction defaultAction,
        OptionalInt defaultErrnoRet,
        List<String> architectures,
        List<SyscallRule> syscalls) {

    public OciSeccompProfile {
        architectures = List.copyOf(architectures);
        syscalls = List.copyOf(syscalls);
    }

    /** The libseccomp value of the default action. */
    public int defaultActionValue() {
        return defaultAction.libseccompValue(defaultErrnoRet.orElse(SeccompAction.DEFAULT_ERRNO));
    }

    /**
     * One entry of {@code syscalls}.
     *
     * @param names    syscall names, as libseccomp spells them
     * @param action   what happens when the rule matches
     * @param errnoRet the errno of an ERRNO action (or the TRACE message)
     * @param args     comparisons on the syscall's arguments
     * @param comment  what the rule is for (Docker's {@code comment} field)
     */
    public record SyscallRule(
            List<String> names,
            SeccompAction action,
            OptionalInt errnoRet,
            List<ArgCondition> args,
            Optional<String> comment) {

        public SyscallRule {
            names = List.copyOf(names);
            args = List.copyOf(args);
        }

        /** The libseccomp value of this rule's action. */
        public int actionValue() {
            return action.libseccompValue(errnoRet.orElse(SeccompAction.DEFAULT_ERRNO));
        }

        /** True when two comparisons name the same argument, so they are ORed (see above). */
        public boolean argsOred() {
            return args.stream().map(ArgCondition::index).distinct().count() < args.size();
        }

        /** Whether this rule matches a call with these arguments, by the semantics above. */
        public boolean matches(long[] callArgs) {
            if (args.isEmpty()) {
                return true;
            }
            if (argsOred()) {
                return args.stream().anyMatch(a -> a.test(callArgs));
            }
            return args.stream().allMatch(a -> a.test(callArgs));
        }
    }

    /**
     * One comparison on a syscall argument.
     *
     * @param index    the argument, 0 to 5
     * @param value    the operand (for MASKED_EQ: the mask), unsigned 64 bits
     * @param valueTwo the second operand (for MASKED_EQ: the expected bits)
     * @param op       the comparison
     */
    public record ArgCondition(int index, long value, long valueTwo, ArgOp op) {

        public boolean test(long[] callArgs) {
            return op.test(callArgs[index], value, valueTwo);
        }
    }
}
