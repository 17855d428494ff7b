;;; A small channel module for the tests of 'guix ml-audit': packages written
;;; for guixml's tests, annotated with the ML vocabulary.

(define-module (demo ml-weights)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix build-system trivial)
  #:use-module ((guix licenses) #:prefix license:))

(define-public demo-net-nc
  ;; Weights under a NonCommercial licence: every policy rejects them.
  (package
    (name "demo-net-nc")
    (version "1")
    (source (origin
              (method url-fetch)
              (uri "https://example.org/demo/net-nc.bin")
              (sha256
               (base32
                "0000000000000000000000000000000000000000000000000000"))))
    (build-system trivial-build-system)
    (synopsis "Demo network weights")
    (description "Network weights used by guixml's tests.")
    (home-page "https://example.org/demo")
    (license license:cc-by-sa4.0)
    (properties '((ml-weights . model)
                  (ml-weights-license . "CC-BY-NC-4.0")
                  (ml-training-software . unavailable)
                  (ml-training-data . unknown)
                  (ml-reproducibility . unknown)))))

(define-public demo-engine
  ;; Code taking its weights from the package above: accepted on its own,
  ;; rejected through its closure.
  (package
    (name "demo-engine")
    (version "2")
    (source #f)
    (build-system trivial-build-system)
    (inputs (list demo-net-nc))
    (synopsis "Demo engine")
    (description "An engine used by guixml's tests.")
    (home-page "https://example.org/demo")
    (license license:gpl3+)
    (properties '((ml-weights . separate)
                  (ml-weight-inputs "demo-net-nc")
                  (ml-weights-license . "CC-BY-NC-4.0 OR MIT")))))

(define-public demo-typo
  ;; A misspelt key and a value of the wrong type.
  (package
    (name "demo-typo")
    (version "3")
    (source #f)
    (build-system trivial-build-system)
    (synopsis "Demo package with a bad annotation")
    (description "A package used by guixml's tests.")
    (home-page "https://example.org/demo")
    (license license:gpl3+)
    (properties '((ml-weights . "tangled")
                  (ml-weigths-license . "MIT")))))

(define-public demo-missing-input
  ;; 'separate' weights naming an input the package does not have.
  (package
    (name "demo-missing-input")
    (version "4")
    (source #f)
    (build-system trivial-build-system)
    (synopsis "Demo package naming a missing weight input")
    (description "A package used by guixml's tests.")
    (home-page "https://example.org/demo")
    (license license:gpl3+)
    (properties '((ml-weights . separate)
                  (ml-weight-inputs "neural-network")))))

(define-public demo-plain
  (package
    (name "demo-plain")
    (version "5")
    (source #f)
    (build-system trivial-build-system)
    (synopsis "Demo package without weights")
    (description "A package used by guixml's tests.")
    (home-page "https://example.org/demo")
    (license license:gpl3+)))
