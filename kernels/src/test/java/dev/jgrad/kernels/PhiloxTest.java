package dev.jgrad.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.kernels.simd.DropoutVec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Philox} against the Random123 known answers, and its word/fill/uniform views of one stream. */
class PhiloxTest {

    @Test
    void blockMatchesTheRandom123KnownAnswers() {
        // Random123 v1.14.0 (D. E. Shaw Research, github.com/DEShawResearch/random123), tests/kat_vectors
        // lines 27-29, the "philox4x32 10" vectors:
        // counter (4 words), key (2 words) -> the 4 output words
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},   // counter and key: digits of pi
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void wordIsWordIModFourOfBlockIOverFour() {
        long seed = 0x0123456789ABCDEFL, offset = 0xFEDCBA9876543210L;
        for (long i : new long[] {0, 1, 2, 3, 4, 7, 1001, (1L << 33) + 6}) {
            int[] block = Philox.block((int) (i / 4), 0, 0x76543210, 0xFEDCBA98, 0x89ABCDEF, 0x01234567);
            assertEquals(block[(int) (i % 4)], Philox.word(seed, offset, i), "word " + i);
        }
    }

    @ParameterizedTest(name = "simd={0}")
    @ValueSource(booleans = {true, false})
    void fillGivesTheWordsOfWholeBlocks(boolean simd) {
        Fixtures.withSimd(simd, () -> {
            long seed = -7, offset = 1L << 40;
            for (int first : new int[] {0, 5, Integer.MAX_VALUE - 40}) {
                for (int blocks : new int[] {0, 1, 3, 8, 17, 40}) {
                    int[] out = new int[4 * blocks + 3];
                    int done = Simd.enabled() ? DropoutVec.philox(seed, offset, first, blocks, out, 3) : 0;
                    Philox.fill(seed, offset, first + done, blocks - done, out, 3 + 4 * done);
                    for (int j = 0; j < 4 * blocks; j++) {
                        long i = 4L * first + j;
                        assertEquals(Philox.word(seed, offset, i), out[3 + j], "first block " + first + " word " + j);
                    }
                }
            }
        });
    }

    @Test
    void uniformsAreTheTop24BitsInTheUnitInterval() {
        assertEquals(0f, Philox.uniform(0));
        assertEquals(0f, Philox.uniform(0xff));
        assertEquals(1f / 16777216, Philox.uniform(0x100));
        assertEquals(0.5f, Philox.uniform(0x80000000));
        assertEquals(1 - 1f / 16777216, Philox.uniform(-1));
        int n = 40000, below = 0;
        for (int i = 0; i < n; i++) {
            float u = Philox.uniform(Philox.word(1234, 0, i));
            assertTrue(u >= 0 && u < 1);
            if (u < 0.3f) below++;
        }
        assertEquals(0.3, below / (double) n, 0.01);
    }
}
