package dev.proctor.jobs;

import dev.proctor.grading.Verdict;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** {@code jobs.verdict} (and {@code runs.verdict}) hold a verdict's wire name. */
@Converter
public class VerdictColumn implements AttributeConverter<Verdict, String> {
    @Override
    public String convertToDatabaseColumn(Verdict v) {
        return v == null ? null : v.wire();
    }

    @Override
    public Verdict convertToEntityAttribute(String s) {
        return s == null ? null : Verdict.parse(s);
    }
}
