/* RSA test vectors (see rsa_vectors.h for their sources) and helpers. */
#include "config.h"

#include "rsa_vectors.h"

#include <openssl/evp.h>
#include <string.h>

const char rsa1024_n[] =
        "a56e4a0e701017589a5187dc7ea841d156f2ec0e36ad52a44dfeb1e61f7ad991"
        "d8c51056ffedb162b4c0f283a12a88a394dff526ab7291cbb307ceabfce0b1df"
        "d5cd9508096d5b2b8b6df5d671ef6377c0921cb23c270a70e2598e6ff89d19f1"
        "05acc2d3f0cb35f29280e1386b6f64c4ef22e1e1f20d0ce8cffb2249bd9a2137";

const char rsa1024_e[] = "010001";

const char rsa1024_d[] =
        "33a5042a90b27d4f5451ca9bbbd0b44771a101af884340aef9885f2a4bbe92e8"
        "94a724ac3c568c8f97853ad07c0266c8c6a3ca0929f1e8f11231884429fc4d9a"
        "e55fee896a10ce707c3ed7e734e44727a39574501a532683109c2abacaba283c"
        "31b4bd2f53c3ee37e352cee34f9e503bd80c0622ad79c6dcee883547c6a3b325";

const char rsa1024_p[] =
        "e7e8942720a877517273a356053ea2a1bc0c94aa72d55c6e86296b2dfc967948"
        "c0a72cbccca7eacb35706e09a1df55a1535bd9b3cc34160b3b6dcd3eda8e6443";

const char rsa1024_q[] =
        "b69dca1cf7d4d7ec81e75b90fcca874abcde123fd2700180aa90479b6e48de8d"
        "67ed24f9f19d85ba275874f542cd20dc723e6963364a1f9425452b269a6799fd";

const char rsa1024_dp[] =
        "28fa13938655be1f8a159cbaca5a72ea190c30089e19cd274a556f36c4f6e19f"
        "554b34c077790427bbdd8dd3ede2448328f385d81b30e8e43b2fffa027861979";

const char rsa1024_dq[] =
        "1a8b38f398fa712049898d7fb79ee0a77668791299cdfa09efc0e507acb21ed7"
        "4301ef5bfd48be455eaeb6e1678255827580a8e4e8e14151d1510a82a3f2e729";

const char rsa1024_qinv[] =
        "27156aba4126d24a81f3a528cbfb27f56886f840a9f6e86e17a44b94fe931958"
        "4b8e22fdde1e5a2e3bd8aa5ba8d8584194eb2190acf832b847f13a3d24a79f4d";

const char rsa1024_message[] =
        "cdc87da223d786df3b45e0bbbc721326d1ee2af806cc315475cc6f0d9c66e1b6"
        "2371d45ce2392e1ac92844c310102f156a0d8d52c1f4c40ba3aa65095786cb76"
        "9757a6563ba958fed0bcc984e8b517a3d5f515b23b8a41e74aa867693f90dfb0"
        "61a6e86dfaaee64472c00e5f20945729cbebe77f06ce78e08f4098fba41f9d61"
        "93c0317e8b60d4b6084acb42d29e3808a3bc372d85e331170fcbf7cc72d0b71c"
        "296648b3a4d10f416295d0807aa625cab2744fd9ea8fd223c42537029828bd16"
        "be02546f130fd2e33b936d2676e08aed1b73318b750a0167d0";

const char rsa1024_signature[] =
        "6bc3a06656842930a247e30d5864b4d819236ba7c68965862ad7dbc4e24af28e"
        "86bb531f03358be5fb74777c6086f850caef893f0d6fcc2d0c91ec013693b4ea"
        "00b80cd49aac4ecb5f8911afe539ada4a8f3823d1d13e472d1490547c659c761"
        "7f3d24087ddb6f2b72096167fc097cab18e9a458fcb634cdce8ee35894c484d7";

const char oaep1024_n[] =
        "a8b3b284af8eb50b387034a860f146c4919f318763cd6c5598c8ae4811a1e0ab"
        "c4c7e0b082d693a5e7fced675cf4668512772c0cbc64a742c6c630f533c8cc72"
        "f62ae833c40bf25842e984bb78bdbf97c0107d55bdb662f5c4e0fab9845cb514"
        "8ef7392dd3aaff93ae1e6b667bb3d4247616d4f5ba10d4cfd226de88d39f16fb";

const char oaep1024_e[] = "010001";

const char oaep1024_d[] =
        "53339cfdb79fc8466a655c7316aca85c55fd8f6dd898fdaf119517ef4f52e8fd"
        "8e258df93fee180fa0e4ab29693cd83b152a553d4ac4d1812b8b9fa5af0e7f55"
        "fe7304df41570926f3311f15c4d65a732c483116ee3d3d2d0af3549ad9bf7cbf"
        "b78ad884f84d5beb04724dc7369b31def37d0cf539e9cfcdd3de653729ead5d1";

const char oaep1024_p[] =
        "d32737e7267ffe1341b2d5c0d150a81b586fb3132bed2f8d5262864a9cb9f30a"
        "f38be448598d413a172efb802c21acf1c11c520c2f26a471dcad212eac7ca39d";

const char oaep1024_q[] =
        "cc8853d1d54da630fac004f471f281c7b8982d8224a490edbeb33d3e3d5cc93c"
        "4765703d1dd791642f1f116a0dd852be2419b2af72bfe9a030e860b0288b5d77";

const char oaep1024_dp[] =
        "0e12bf1718e9cef5599ba1c3882fe8046a90874eefce8f2ccc20e4f2741fb0a3"
        "3a3848aec9c9305fbecbd2d76819967d4671acc6431e4037968db37878e695c1";

const char oaep1024_dq[] =
        "95297b0f95a2fa67d00707d609dfd4fc05c89dafc2ef6d6ea55bec771ea33373"
        "4d9251e79082ecda866efef13c459e1a631386b7e354c899f5f112ca85d71583";

const char oaep1024_qinv[] =
        "4f456c502493bdc0ed2ab756a3a6ed4d67352a697d4216e93212b127a63d5411"
        "ce6fa98d5dbefd73263e3728142743818166ed7dd63687dd2a8ca1d2f4fbd8e1";

const char oaep1024_message[] =
        "6628194e12073db03ba94cda9ef9532397d50dba79b987004afefe34";

const char oaep1024_ciphertext[] =
        "354fe67b4a126d5d35fe36c777791a3f7ba13def484e2d3908aff722fad468fb"
        "21696de95d0be911c2d3174f8afcc201035f7b6d8e69402de5451618c21a535f"
        "a9d7bfc5b8dd9fc243f8cf927db31322d6e881eaa91a996170e657a05a266426"
        "d98c88003f8477c1227094a0d9fa1e8c4024309ce1ecccb5210035d47ac72e8a";

const char pss1024_n[] =
        "a2ba40ee07e3b2bd2f02ce227f36a195024486e49c19cb41bbbdfbba98b22b0e"
        "577c2eeaffa20d883a76e65e394c69d4b3c05a1e8fadda27edb2a42bc000fe88"
        "8b9b32c22d15add0cd76b3e7936e19955b220dd17d4ea904b1ec102b2e4de775"
        "1222aa99151024c7cb41cc5ea21d00eeb41f7c800834d2c6e06bce3bce7ea9a5";

const char pss1024_e[] = "010001";

const char pss1024_mhash[] = "37b66ae0445843353d47ecb0b4fd14c110e62d6a";

const char pss1024_signature[] =
        "8daa627d3de7595d63056c7ec659e54406f10610128baae821c8b2a0f3936d54"
        "dc3bdce46689f6b7951bb18e840542769718d5715d210d85efbb596192032c42"
        "be4c29972c856275eb6d5a45f05f51876fc6743deddd28caec9bb30ea99e02c3"
        "488269604fe497f74ccd7c7fca1671897123cbd30def5d54a2b5536ad90a747e";

const char pss1024_p[] =
        "d17f655bf27c8b16d35462c905cc04a26f37e2a67fa9c0ce0dced472394a0df7"
        "43fe7f929e378efdb368eddff453cf007af6d948e0ade757371f8a711e278f6b";

const char pss1024_q[] =
        "c6d92b6fee7414d1358ce1546fb62987530b90bd15e0f14963a5e2635adb6934"
        "7ec0c01b2ab1763fd8ac1a592fb22757463a982425bb97a3a437c5bf86d03f2f";

const char cavs2048_n[] =
        "a564d3d06be468a46958d56bb4884e2c4c28f538b7e15df35330505177789d3e"
        "1d792ad7aec7fc80a8cccf7ed4030471100401724bd4636a8a8244180cc655e2"
        "56c00e778efe8bea55ab52d3a557075e35039d687cc0755b939a44a73033a0a6"
        "f09d2d6ae7e6593380718be00814d20567b1d7d48b633735e423017ff0a7b406"
        "d822f45fbb4d234028ca78abb702b18fcce13d2f69148ef584e9aaf283caab38"
        "f6946d342d600c6e77b7370a05ff302e5483b0faad3103d0b3e8c9c8e9eca1d4"
        "a871bdbd09585eb00dc3a488271cf6a3b767e68ea9bd2c83e8c89fd047f17915"
        "cf6a4c05bb9222b7e4470df5f3f1a28324c1aafcbb2236d2293041d128b0e15f";

const char cavs2048_e[] = "1001";

const char cavs2048_message[] =
        "8f51ec6359d7efe1898274fa89ea4a91b8bbf95e05fef84bbc9a201e9f1a6159"
        "39b0b45e6f7a50d7580521554f1076374692face5dfee5bfb3c573a87b1c9606"
        "5301e756d278e37a601b545f4bd10ddd17dedade151cb7c33787400322ff6915"
        "854a6f91a9590f924accf55ea6b87749d3a783d655e0d620f0e96f78bb4b4450";

const char cavs2048_signature[] =
        "795b0d51721469dcdf14df08eacaa83af79c2734226b3c8e048cbc4bd44ed7dc"
        "6c1efaefe1c71f017a87641827a0d3af287e8c27efa7cebfc9435efc7f6eab1e"
        "373551887217d08313e8ae5ef0b0efcb87c49c1f2898fcc117ac7db229d34bd4"
        "ac39a4f91377f4b5a038338e7d4cf530e4e00ff67bf257e27e55fa6d2c0eb21a"
        "d0bcfd65f9ea760a440cab4f904d4b817604289bc8ff96fb07c0a23b5d31abff"
        "a706241d47fb42ef09b7bec820e6076ebe7e1e0f4eefe755bab2cbcae557aab8"
        "208bb681d5381c1d09b4ccf1100f33cad1990efb507062ea51de3dfae0821f10"
        "6b4b052244c379d0d32de7a56ee17a7d9a5dca2b472f0d3eefa05f4e02fc0295";

const char wycheproof2048_n[] =
        "00a2b451a07d0aa5f96e455671513550514a8a5b462ebef717094fa1fee82224"
        "e637f9746d3f7cafd31878d80325b6ef5a1700f65903b469429e89d6eac88450"
        "97b5ab393189db92512ed8a7711a1253facd20f79c15e8247f3d3e42e46e48c9"
        "8e254a2fe9765313a03eff8f17e1a029397a1fa26a8dce26f490ed81299615d9"
        "814c22da610428e09c7d9658594266f5c021d0fceca08d945a12be82de4d1ece"
        "6b4c03145b5d3495d4ed5411eb878daf05fd7afc3e09ada0f1126422f590975a"
        "1969816f48698bcbba1b4d9cae79d460d8f9f85e7975005d9bc22c4e5ac0f7c1"
        "a45d12569a62807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9"
        "d5";

const char wycheproof2048_e[] = "010001";

const char wycheproof2048_message[] = "54657374";

const char wycheproof2048_signature[] =
        "401eb03cdb47ca88033e3030f6bdecbac8f5c8fc1dd6a13d23d379ed9a2b3098"
        "91d13d74fea9d21d159b9e6d8f37efa2489962e24555f56dd434ff1d31ce4f9f"
        "5abd3f22cbea8b691d6a11e44efb83e2bca155e6a164325e0fde2a8865afd5c9"
        "f51161a9d615f62af7ec2e31b3e5ab649c164490d31d88cfae35b84aea792569"
        "0f929a144b6d2f48e8fb894a52deecd1b9a6496990c4ecf1588699a42cacd10c"
        "53af350514e4291ea9a058e77f101e32c1c0cefa61d945f7bc931f8bd19e7ba3"
        "169358a60e5a8b0123bc3199b9fdcafe8e519c41ba675491a27b85e44ef2d772"
        "77c10fe107293c8290186913bc9a99b640d8da041b64f31eab1d35920985f4a5";

const char wycheproof2048_spki[] =
        "30820122300d06092a864886f70d01010105000382010f003082010a02820101"
        "00a2b451a07d0aa5f96e455671513550514a8a5b462ebef717094fa1fee82224"
        "e637f9746d3f7cafd31878d80325b6ef5a1700f65903b469429e89d6eac88450"
        "97b5ab393189db92512ed8a7711a1253facd20f79c15e8247f3d3e42e46e48c9"
        "8e254a2fe9765313a03eff8f17e1a029397a1fa26a8dce26f490ed81299615d9"
        "814c22da610428e09c7d9658594266f5c021d0fceca08d945a12be82de4d1ece"
        "6b4c03145b5d3495d4ed5411eb878daf05fd7afc3e09ada0f1126422f590975a"
        "1969816f48698bcbba1b4d9cae79d460d8f9f85e7975005d9bc22c4e5ac0f7c1"
        "a45d12569a62807d3b9a02e5a530e773066f453d1f5b4c2e9cf7820283f742b9"
        "d50203010001";

const rsa_hex_key rsa1024_key = {{rsa1024_n, rsa1024_e, rsa1024_d, rsa1024_p,
                                  rsa1024_q, rsa1024_dp, rsa1024_dq,
                                  rsa1024_qinv}};
const rsa_hex_key oaep1024_key = {{oaep1024_n, oaep1024_e, oaep1024_d,
                                   oaep1024_p, oaep1024_q, oaep1024_dp,
                                   oaep1024_dq, oaep1024_qinv}};

cry_status pack_hex(const rsa_hex_key *key, enc_buffer **packed)
{
	enc_buffer *secrets[CRY_RSA_PART_COUNT] = {NULL};
	const uint8_t *parts[CRY_RSA_PART_COUNT] = {NULL};
	size_t lengths[CRY_RSA_PART_COUNT] = {0};
	cry_status status;

	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		if (key->part[i] == NULL)
			continue;
		secrets[i] = secret_from_hex(key->part[i]);
		parts[i] = enc_data(secrets[i]);
		lengths[i] = enc_size(secrets[i]);
	}
	status = cry_rsa_pack(parts, lengths, packed);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		enc_free(secrets[i]);
	return status;
}

enc_buffer *pack_hex_ok(const rsa_hex_key *key)
{
	enc_buffer *packed = NULL;

	assert_cry_ok(pack_hex(key, &packed));
	assert_non_null(packed);
	assert_int_equal(ENC_READONLY, enc_access_of(packed));
	return packed;
}

size_t digest_of(const char *name, const uint8_t *data, size_t length,
                 uint8_t *digest)
{
	unsigned digest_length = 0;

	assert_int_equal(1, EVP_Digest(data, length, digest, &digest_length,
	                               EVP_get_digestbyname(name), NULL));
	return digest_length;
}
