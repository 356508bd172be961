package dev.proctor.sandbox.rootfs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Makes the files of an image from its recipe; {@link ImageStore} does the rest (finish, store, switch). */
@FunctionalInterface
public interface RootfsBuilder {

    /**
     * Creates {@code rootfs} (which does not exist yet) from the recipe.
     *
     * @param progress receives one line of output at a time, for the operator to watch
     * @throws IOException when the build fails; the message says which step and why
     */
    void build(ImageRecipe recipe, Path rootfs, Consumer<String> progress) throws IOException;
}
