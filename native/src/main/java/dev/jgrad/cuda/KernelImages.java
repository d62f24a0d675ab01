package dev.jgrad.cuda;

import dev.jgrad.cuda.launch.KernelCatalog;
import dev.jgrad.cuda.runtime.KernelModules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which compiled kernel images are on the path and which one a device would load: the text behind {@link Cuda#kernelImages()}. */
final class KernelImages {
    private KernelImages() {}

    /** "13 modules: ptx 13, sm_80.cubin 13, sm_90.cubin 13, sm_90a.cubin 1", or "none: …" when no image is carried. */
    static String carried() {
        List<String> modules = KernelCatalog.modules();
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String m : modules) {
            boolean found = false;
            for (String kind : KernelModules.imageKinds()) {
                if (KernelModules.carried(m + "." + kind)) {
                    counts.merge(kind, 1, Integer::sum);
                    found = true;
                }
            }
            if (!found) missing.add(m);
        }
        int any = modules.size() - missing.size();
        if (any == 0) return "none: the compiled CUDA kernels (PTX/cubins) are not on the path";
        List<String> parts = new ArrayList<>();
        counts.forEach((kind, n) -> parts.add(kind + " " + n));
        String text = any + " of " + modules.size() + " modules: " + String.join(", ", parts);
        return missing.isEmpty() ? text : text + "; missing: " + String.join(", ", missing);
    }

    /**
     * What a device of compute capability major.minor loads, e.g. "sm_90.cubin (12 modules),
     * sm_90a.cubin (1 module)", or "ptx compute_80, compiled by the driver at first use (13 modules)".
     */
    static String chosen(int major, int minor) {
        if (KernelModules.imageOrder(major, minor).isEmpty()) {
            return "none: compute capability " + major + "." + minor + " is older than the kernels' " + KernelModules.ptxArchitecture();
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<String> none = new ArrayList<>();
        for (String m : KernelCatalog.modules()) {
            String image = KernelModules.chosenImage(m, major, minor);
            if (image == null) none.add(m);
            else counts.merge(image, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((image, n) -> parts.add((image.equals("ptx")
                ? "ptx " + KernelModules.ptxArchitecture() + ", compiled by the driver at first use"
                : image) + " (" + n + (n == 1 ? " module)" : " modules)")));
        if (!none.isEmpty()) parts.add("none for " + String.join(", ", none));
        return String.join(", ", parts);
    }
}
