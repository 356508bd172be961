package dev.proctor.sandbox;

import java.util.List;

/** What an engine instance offers. */
public record EngineInfo(String cgroupVersion, List<String> images, List<String> seccompProfiles) {}
